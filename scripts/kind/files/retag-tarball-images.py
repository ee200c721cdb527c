#!/usr/bin/python3 -I
# Makes `kind build node-image --type file` see every image in a multi-image `docker save` tar.
# kind reads a tar's tags from the first of `repositories`/`manifest.json` it meets, and from
# manifest.json only the first image; `repositories` lists them all, so it must come first. kind also
# compares names with the docker.io/ prefix, which `docker save` strips from `kindest/...`.
#   retag-tarball-images.py <image tar>   (rewritten in place)
import io, json, os, sys, tarfile

src = sys.argv[1]
dst = src + ".new"


def full(name):
    return "docker.io/" + name if name.count("/") == 1 and "." not in name.split("/")[0] else name


with tarfile.open(src) as tin:
    members = tin.getmembers()
    data = {m.name: (tin.extractfile(m).read() if m.isfile() else None) for m in members}

manifest = json.loads(data["manifest.json"])
for entry in manifest:
    entry["RepoTags"] = [full(t) for t in entry.get("RepoTags") or []]
repositories = {full(k): v for k, v in json.loads(data["repositories"]).items()}
data["manifest.json"] = json.dumps(manifest).encode()
data["repositories"] = json.dumps(repositories).encode()

with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as tout:
    for m in sorted(members, key=lambda m: 0 if m.name == "repositories" else 1):
        body = data[m.name]
        if body is not None:
            m.size = len(body)
            tout.addfile(m, io.BytesIO(body))
        else:
            tout.addfile(m)
os.replace(dst, src)
