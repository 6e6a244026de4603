"""``python -m skillevo``: the ``skillevo`` command, for an environment whose scripts folder is not on PATH."""

from skillevo.cli import main

if __name__ == "__main__":
    main()
