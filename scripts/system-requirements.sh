#!/usr/bin/env bash
# Debian packages the suite needs: headers for mysqlclient, Chromium for the browser tier,
# gettext for extracting and compiling translations (make *_translations), npm for the pinned
# axe-core the browser tests run (make axe).
# Installs them when missing (as root, as on CI); elsewhere says what to install.
# Without recommends: Chromium's pull in a desktop (upower, a notification daemon, the printer
# settings, Mesa's drivers) that headless Chromium never uses, and a new machine downloads them;
# the one recommend the browser tests' captures need, fonts-liberation, is listed here.
set -euo pipefail
needed=()
for pkg in pkg-config libmariadb-dev chromium chromium-driver fonts-liberation gettext; do
  dpkg -s "$pkg" >/dev/null 2>&1 || needed+=("$pkg")
done
# Any npm will do (Debian's, or one from NodeSource): ask for Debian's only when there is none.
command -v npm >/dev/null 2>&1 || needed+=(npm)
[ ${#needed[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "Installing Debian packages: ${needed[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
else
  echo "Missing Debian packages: ${needed[*]} (install them with apt-get)." >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
