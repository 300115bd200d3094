"""``python -m hpf_adapters.cli`` runs the ``hpf`` command."""

import sys

from hpf_adapters.cli import main

sys.exit(main())
