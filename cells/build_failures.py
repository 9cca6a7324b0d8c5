"""What nrnivmodl's output, a linker's or a failed load says about the files of a build:
which .mod files failed, which need a symbol nothing defines, and the lines about each."""

import platform
import re
import subprocess
from pathlib import Path

from cells.versions import UNDEFINED


def needing_undefined(build_dir, output, user_mods):
    """The user's .mod files whose objects use a symbol that ``output`` (the linker's or
    dlopen's) says nothing defines, by ``nm -u`` (names as linked and as demangled)."""
    symbols = {name for pair in UNDEFINED.findall(output) for name in pair if name}
    wanted = symbols | {name.split('(')[0] for name in symbols}
    found = []
    for name in sorted(user_mods):
        obj = build_dir / platform.machine() / f'{Path(name).stem}.o'
        if not obj.exists():
            continue
        used = set()
        for demangle in ([], ['-C']):
            try:
                proc = subprocess.run(['nm', '-u', *demangle, str(obj)], capture_output=True, text=True)
            except FileNotFoundError:  # no binutils: the failure stays nrnivmodl's error
                return []
            for line in proc.stdout.splitlines():
                symbol = line.split(' U ', 1)[-1].strip()
                used.update({symbol, symbol.split('(')[0]})
        if used & wanted:
            found.append(name)
    return found


def file_message(output, stem, lines=6):
    """The compiler's (or linker's) error lines about the file ``stem``.mod (its .c, .cpp,
    .mod or .o), else those naming a symbol nothing defines."""
    mentions = re.compile(rf'\b{re.escape(stem)}\.(?:c|cpp|mod|o)\b')
    about = [line.strip() for line in output.splitlines() if mentions.search(line) and 'rror' in line]
    about = about or [line.strip() for line in output.splitlines() if UNDEFINED.search(line)]
    return '\n'.join(list(dict.fromkeys(about))[:lines]) or f'{stem}.mod failed to compile'


def compiler_message(output):
    """nrnivmodl's output without colour codes and without its own Python traceback."""
    lines = []
    for line in re.sub(r'\x1b\[[0-9;]*m', '', output).splitlines():
        if line.startswith('Traceback (most recent call last)'):
            break
        lines.append(line)
    return '\n'.join(lines).strip()

