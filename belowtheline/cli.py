"""The `btl` command: Django's management commands, so operators never need manage.py."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "belowtheline.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "btl"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
