"""Print the fields of a PDF form (a helper script: it defines no repair())."""

import sys


def main(path: str) -> None:
    from pypdf import PdfReader

    for name in PdfReader(path).get_fields() or {}:
        print(name)


if __name__ == "__main__":
    main(sys.argv[1])
