"""Pretty-printers for scripts/demo.sh: `plan` (explain's JSON), `docker` (explain, docker mode),
`calls` (mcp_client.py's JSON)."""
import json
import sys

what = sys.argv[1]
data = json.load(sys.stdin)
if what == "plan":
    s = data["sandbox"]
    print("mode:", data["mode"], f"({data['mode_source']})", " enforcement:", data["enforcement"])
    print("landlock: kernel ABI", s["landlock"]["kernel_abi"], "-", s["landlock"]["status"])
    print("writable:", ", ".join(s["write"]))
    for p in s["protections"]:
        print(f"  {p['name']:<16} {p['enforced']:<8} {p.get('reason') or ''}")
    for w in data["warnings"]:
        print("  not enforced:", w)
elif what == "docker":
    print("image:", data["docker"]["image"])
    print("argv:", " ".join(data["argv"]))
elif what == "calls":
    print("server:", data["server_name"])
    for c in data["calls"]:
        state = "refused" if c["is_error"] else "ok"
        first = c["text"].splitlines()[0][:100] if c["text"] else ""
        print(f"  {c['tool']:<16} {state:<8} {first}")
