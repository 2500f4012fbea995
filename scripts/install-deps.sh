#!/usr/bin/env bash
# Installs the Debian packages SkillPulse builds and tests against, but only those that are missing:
#   libsystemd-dev  sd_notify / socket activation (the CSystemd target links it)
#   libsqlite3-dev  GRDB links the system SQLite
#   sqlite3         tests poke at database files the way an operator would
#   systemd         provides systemd-socket-activate for the socket-activation test
set -euo pipefail

need=()
dpkg -s libsystemd-dev >/dev/null 2>&1 || need+=(libsystemd-dev)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v systemd-socket-activate >/dev/null 2>&1 || need+=(systemd)

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi
