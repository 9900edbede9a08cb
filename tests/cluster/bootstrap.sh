#!/bin/sh
# What the cluster tests need on this machine (idempotent; run as root):
# the Debian packages the roles use (installed here, before the test hosts copy
# /etc, because the hosts have no network of their own), and the controller's
# virtualenv (.venv-deploy) with Ansible and ansible-lint.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
packages="openssh-server openssh-client nginx rsyslog logrotate postgresql-15 python3-venv
python3-psycopg2 acl openssl ca-certificates rsync util-linux iproute2 systemd vagrant
keepalived curl"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "bootstrap: installing$missing"
    # Packages must not start their services on this machine.
    guard=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        guard=yes
    fi
    apt-get update -q
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
    [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d
fi
venv="$top/.venv-deploy"
if [ ! -x "$venv/bin/ansible-playbook" ] || ! cmp -s "$top/requirements-deploy.txt" "$venv/.requirements"; then
    echo "bootstrap: building $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$top/requirements-deploy.txt"
    cp "$top/requirements-deploy.txt" "$venv/.requirements"
fi
