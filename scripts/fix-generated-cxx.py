#!/usr/bin/env python3
"""Renames C++20 keywords that protoc 3.21 emits as identifiers in generated code.

protoc 3.21 escapes C++11 keywords but not C++20 ones, so a field such as jwt_authn's
`requires` yields `requires()` accessors that do not compile as C++20. Each such identifier
becomes `<word>_`, the way protoc spells escaped keywords. Lines of serialized-descriptor string
literals are left alone: they must keep the field's real name.

Usage: fix-generated-cxx.py FILE...   (rewrites a file only when something changes)
"""
import re
import sys

KEYWORDS = ("requires", "concept", "co_await", "co_yield", "co_return", "char8_t", "consteval", "constinit")
PATTERN = re.compile(r"\b(" + "|".join(KEYWORDS) + r")\b")


def fix(path):
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    out = []
    for line in lines:
        if line.lstrip().startswith('"') or line.lstrip().startswith("//"):
            out.append(line)
        else:
            out.append(PATTERN.sub(r"\1_", line))
    if out != lines:
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(out)


for p in sys.argv[1:]:
    fix(p)
