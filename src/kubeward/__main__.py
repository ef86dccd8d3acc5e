"""``python -m kubeward``."""

from kubeward.cli.app import main

main()
