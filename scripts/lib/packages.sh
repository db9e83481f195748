# Sourced by the scripts: installs the Debian packages whose commands a script needs, when they are missing.
# Usage: require_commands redis-server:redis-server haproxy:haproxy ...   (command:package pairs)
# It says exactly what it installs. Without root (and without passwordless sudo) it cannot install, so it names
# the apt-get command to run and fails.

require_commands() {
  local pair command package missing=() packages=()
  for pair in "$@"; do
    command=${pair%%:*}
    package=${pair#*:}
    if ! command -v "$command" >/dev/null 2>&1; then
      missing+=("$command")
      case " ${packages[*]} " in *" $package "*) ;; *) packages+=("$package") ;; esac
    fi
  done
  [ ${#packages[@]} -eq 0 ] && return 0

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      echo "Missing ${missing[*]}; install them with: apt-get install ${packages[*]}" >&2
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing ${missing[*]} and no apt-get to install them; install the packages ${packages[*]}" >&2
    return 1
  fi
  echo "Missing ${missing[*]}: installing the Debian packages ${packages[*]} (apt-get)"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" \
    >/dev/null
  for pair in "$@"; do
    command=${pair%%:*}
    command -v "$command" >/dev/null 2>&1 || { echo "apt-get ran but $command is still missing" >&2; return 1; }
  done
}

# Fails with a clear message unless node (at least the given major version) and npm are on the PATH. A distribution's
# nodejs package may be older than that (Debian 12 ships 18), so this names what is needed instead of installing it.
# Usage: require_node 20
require_node() {
  local want=$1 major
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Node.js $want or newer and npm are needed to build and test the JavaScript client and the chat page;" \
      "install Node.js $want+ with its npm" >&2
    return 1
  fi
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt "$want" ]; then
    echo "Node.js $want or newer is needed to build and test the JavaScript client and the chat page;" \
      "node on the PATH is $(node --version)" >&2
    return 1
  fi
}
