#!/usr/bin/env bash
# Installs build/inferno_*_amd64.deb on a clean Debian 12 (a debootstrap minbase chroot, made
# once in ROOT) with apt, as a user would; serves from /, fetches the UI and one chat answer,
# then removes the package. Needs root, debootstrap and Debian's mirror; not part of `make test`
# (tests/package/install_test.sh is, without network). Usage: clean-debian12.sh [ROOT]
set -euo pipefail
root=${1:-/tmp/inferno-deb12-root}
deb=$(ls "$(dirname "$0")"/../../build/inferno_*_amd64.deb | head -1)
[[ -x $root/usr/bin/apt-get ]] || debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
cp "$deb" "$root/tmp/inferno.deb"
cp /etc/resolv.conf "$root/etc/resolv.conf"
unshare -m --propagation private chroot "$root" /bin/bash -euo pipefail -c '
  mount -t proc proc /proc
  export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin
  apt-get update -qq
  # (apt complains that it cannot write its log without /dev/pts: harmless here.)
  apt-get install -y -qq --no-install-recommends /tmp/inferno.deb curl >/dev/null
  inferno --version
  cd / && { inferno serve --port 18080 -t 2 -q >/tmp/serve.out 2>&1 & pid=$!; }
  for _ in $(seq 1 100); do grep -q "serving on" /tmp/serve.out && break; sleep 0.2; done
  cat /tmp/serve.out
  curl -sf http://127.0.0.1:18080/ | grep -q "<div id=\"root\">" && echo "UI: ok"
  curl -sf http://127.0.0.1:18080/v1/chat/completions -H "Content-Type: application/json" \
    -d "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story.\"}],\"max_tokens\":24}"
  echo
  kill $pid; wait $pid || true
  apt-get remove -y -qq inferno >/dev/null
  [[ ! -e /usr/bin/inferno ]] && echo "removed"
  umount /proc'
