#!/bin/sh
# kube-router runs iptables, iptables-save, iptables-restore and ipset by name. Debian ships two
# iptables backends behind those names: nf_tables (its default) and legacy. kube-router must write
# into the ruleset this node's kube-proxy uses, so that its jump to KUBE-ROUTER-FORWARD, which it
# keeps first in FORWARD, is judged before kube-proxy's ACCEPT rules. kube-proxy's rules are the
# "-A KUBE-…" lines: count them in each backend and take the one that has more. With none in either
# (kube-proxy not started yet), nf_tables, the backend of the tier's kube-proxy image (Debian's
# iptables package, default alternative).
set -u
kube_rules() { "$1" 2>/dev/null | grep -c '^-A KUBE-'; }
nft=$(kube_rules iptables-nft-save)
legacy=$(kube_rules iptables-legacy-save)
mode=nft
if [ "${legacy:-0}" -gt "${nft:-0}" ]; then mode=legacy; fi
for t in iptables ip6tables; do
  update-alternatives --quiet --set "$t" "/usr/sbin/$t-$mode" || exit 1
done
echo "kube-router image: iptables backend $mode (kube-proxy rules found: ${nft:-0} in nf_tables, ${legacy:-0} in legacy)" >&2
exec /usr/local/bin/kube-router "$@"
