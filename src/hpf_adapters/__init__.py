"""hpf_adapters — wiring hpf_core to the outside: the command line, policy files, and
(in later releases) storage, SMS and payment channels."""

__all__: list[str] = []
