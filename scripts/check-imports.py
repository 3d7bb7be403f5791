#!/usr/bin/env python3
"""Checks that each target in Package.swift declares exactly the modules its sources import.

A target that imports a module it does not declare builds only by accident (through another
target's dependency), and one that declares a module it never imports slows every build. Run by
`make test`; exits 1 and names the differences.
"""
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
package = open(os.path.join(root, "Package.swift"), encoding="utf-8").read()

# System modules that need no declaration.
implicit = {"Foundation", "FoundationNetworking", "Glibc", "Darwin", "Dispatch", "XCTest", "Testing", "CoreFoundation"}
# Products of packages, by the module name code imports.
products = {"Crypto": "Crypto", "ArgumentParser": "ArgumentParser"}

failures = []
for match in re.finditer(r'\.(?:target|executableTarget|testTarget)\(\s*name:\s*"([^"]+)"', package):
    name = match.group(1)
    # The declaration runs to the next target or the end of the targets list.
    rest = package[match.end():]
    end = re.search(r'\n\s*\.(?:target|executableTarget|testTarget|systemLibrary)\(|\n\s*\],', rest)
    body = rest[: end.start() if end else len(rest)]
    deps = set()
    dep_list = re.search(r'dependencies:\s*\[(.*?)\]', body, re.S)
    if dep_list:
        listed = dep_list.group(1)
        deps |= set(re.findall(r'"([^"]+)"', re.sub(r'\.product\([^)]*\)', '', listed)))
        deps |= set(re.findall(r'\.product\(name:\s*"([^"]+)"', listed))
    path = re.search(r'path:\s*"([^"]+)"', body)
    folder = os.path.join(root, path.group(1) if path else ("Tests/" if name.endswith("Tests") else "Sources/") + name)
    imports = set()
    for dirpath, _, files in os.walk(folder):
        for f in files:
            if f.endswith(".swift"):
                for line in open(os.path.join(dirpath, f), encoding="utf-8"):
                    m = re.match(r'\s*(?:@testable\s+)?import\s+(?:struct\s+|class\s+|enum\s+|func\s+)?(\w+)', line)
                    if m:
                        imports.add(m.group(1))
    imports -= implicit
    declared = {products.get(d, d) for d in deps}
    missing = sorted(imports - declared)
    unused = sorted(declared - imports)
    if missing:
        failures.append(f"{name}: imports {', '.join(missing)} without declaring it in Package.swift")
    if unused:
        failures.append(f"{name}: declares {', '.join(unused)} but never imports it")

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("imports: every target declares exactly what it imports")
