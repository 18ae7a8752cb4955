#!/usr/bin/env python3
"""weshopd.conf(5) from its scdoc template and `weshopd --print-config-reference`.

The reference's sections ("## [api]") become subsections, each "### `key`"
entry a term with its description and one line of type, default, environment
and reload; the introduction and the summary table stay in the Markdown (the
template says the same in man page words). Usage:
  reference_to_scdoc.py WESHOPD TEMPLATE OUT
"""
import re
import subprocess
import sys


def inline(text):
    """Markdown inline text as scdoc: code spans lose their backticks, and
    scdoc's own markup characters are escaped."""
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")
    return text.replace("`", "")


def entries(markdown):
    """(section, key, description, facts) for each key, in the reference's order."""
    section, out = None, []
    for line in markdown.splitlines():
        if m := re.fullmatch(r"## \[(\w+)\]", line):
            section = m.group(1)
        elif section and (m := re.fullmatch(r"### `([\w.]+)`", line)):
            out.append([section, m.group(1), [], []])
        elif out and section and line.startswith("- "):
            out[-1][3].append(line[2:])
        elif out and section and line:
            out[-1][2].append(line)
    return out


def settings_section(markdown):
    lines, section = [], None
    for sec, key, description, facts in entries(markdown):
        if sec != section:
            section = sec
            lines += [f"## [{sec}]", ""]
        facts = dict(f.split(": ", 1) for f in facts)
        lines.append(f"*{inline(key)}* ({inline(facts['Type'])})")
        lines += ["\t" + inline(d) for d in description]
        lines.append("")
        lines.append("\t" + inline(f"Default: {facts['Default']}. Environment: {facts['Environment']}. "
                                   f"Reload: {facts['Reload']}."))
        lines.append("")
    if not lines:
        sys.exit("reference_to_scdoc.py: no settings in the reference")
    return "\n".join(lines).rstrip("\n")


def main(weshopd, template, out):
    markdown = subprocess.run([weshopd, "--print-config-reference"], check=True, capture_output=True,
                              text=True).stdout
    with open(template, encoding="utf-8") as f:
        page = f.read()
    if "@SETTINGS@" not in page:
        sys.exit(f"reference_to_scdoc.py: {template} has no @SETTINGS@ line")
    with open(out, "w", encoding="utf-8") as f:
        f.write(page.replace("@SETTINGS@", settings_section(markdown)))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
