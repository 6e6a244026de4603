"""Rewrite DD/MM/YYYY dates in arguments named *date as YYYY-MM-DD."""

import re

DMY = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def repair(tool, args, error):
    changed = dict(args)
    hit = False
    for key, value in args.items():
        if key.endswith("date") and isinstance(value, str):
            m = DMY.match(value)
            if m:
                changed[key] = m.group(3) + "-" + m.group(2) + "-" + m.group(1)
                hit = True
    return changed if hit else None
