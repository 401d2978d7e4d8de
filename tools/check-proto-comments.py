"""Check that every declaration in our .proto files has a leading comment.

Reads a JSON FileDescriptorSet with source info (`buf build -o x.json`).
"""
import json, re, sys

CODES = ("OK CANCELLED UNKNOWN INVALID_ARGUMENT DEADLINE_EXCEEDED NOT_FOUND ALREADY_EXISTS "
         "PERMISSION_DENIED RESOURCE_EXHAUSTED FAILED_PRECONDITION ABORTED OUT_OF_RANGE "
         "UNIMPLEMENTED INTERNAL UNAVAILABLE DATA_LOSS UNAUTHENTICATED").split()

def main(path, prefix):
    fds = json.load(open(path))
    problems, count = [], 0
    for f in fds["file"]:
        if not f["name"].startswith(prefix):
            continue
        locs = {tuple(l.get("path", [])): l for l in f.get("sourceCodeInfo", {}).get("location", [])}
        def check(p, what, rpc=False):
            nonlocal count
            count += 1
            c = (locs.get(tuple(p), {}).get("leadingComments") or "").strip()
            text = " ".join(c.split())
            if not c:
                problems.append(f"{f['name']}: {what}: no leading comment")
            elif len(text.split()) < 3 or not re.search(r"[.)]$", text.rstrip("`")):
                problems.append(f"{f['name']}: {what}: comment is not a sentence: {text!r}")
            elif rpc and not any(code in text for code in CODES):
                problems.append(f"{f['name']}: {what}: RPC comment names no status code")
        def msg(m, p, name):
            check(p, f"message {name}")
            for i, fl in enumerate(m.get("field", [])):
                check(p + [2, i], f"field {name}.{fl['name']}")
            for i, o in enumerate(m.get("oneofDecl", [])):
                # proto3 optional creates synthetic oneofs named _<field>
                synthetic = any(fl.get("proto3Optional") and fl.get("oneofIndex") == i
                                for fl in m.get("field", []))
                if not synthetic:
                    check(p + [8, i], f"oneof {name}.{o['name']}")
            for i, n in enumerate(m.get("nestedType", [])):
                if n.get("options", {}).get("mapEntry"):
                    continue  # synthetic map entry, documented by its field
                msg(n, p + [3, i], f"{name}.{n['name']}")
            for i, e in enumerate(m.get("enumType", [])):
                enum(e, p + [4, i], f"{name}.{e['name']}")
        def enum(e, p, name):
            check(p, f"enum {name}")
            for i, v in enumerate(e.get("value", [])):
                check(p + [2, i], f"enum value {name}.{v['name']}")
        for i, m in enumerate(f.get("messageType", [])):
            msg(m, [4, i], m["name"])
        for i, e in enumerate(f.get("enumType", [])):
            enum(e, [5, i], e["name"])
        for i, s in enumerate(f.get("service", [])):
            check([6, i], f"service {s['name']}")
            for j, r in enumerate(s.get("method", [])):
                check([6, i, 2, j], f"rpc {s['name']}.{r['name']}", rpc=True)
    for p in problems:
        print(p)
    print(f"checked {count} declarations, {len(problems)} problems")
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "visitsarch/"))
