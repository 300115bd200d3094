"""hpf_core — the framework-free core of hpf, the housing provident fund (住房公积金) library.

Pure functions over immutable records: no I/O, no clock, no globals. Money is ``Decimal``
yuan, rates are ``Decimal`` fractions per year, dates are arguments.

Subpackages: :mod:`hpf_core.money`, :mod:`hpf_core.dates`, :mod:`hpf_core.errors`,
:mod:`hpf_core.loans`, :mod:`hpf_core.calculators`, :mod:`hpf_core.policy`,
:mod:`hpf_core.testing` (Hypothesis strategies; needs hypothesis installed).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
