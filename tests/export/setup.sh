# setup.sh - sourced by export.sh and freestanding.sh: their first five
# arguments CNETC LIBCNETRT.a RUNTIME_DIR SANITIZE host|m4 (shifted away), a
# work directory removed at exit, and the flags:
#   $strict    C99 warning-free freestanding, as the export promises
#   $m4        the Cortex-M4 target (Debian's gcc-arm-none-eabi)
#   $sanflags  the sanitizers the runtime library was built with
#   $link_cc   the compiler that built it (CNET_LINK_CC, default gcc): what
#              links against it (clang's OpenMP is libomp, gcc's libgomp)
# shellcheck shell=sh
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
lib=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
rt=$(cd "$3" && pwd)
san=$4
mode=$5
shift 5
if [ "$mode" = m4 ] && ! command -v arm-none-eabi-gcc >/dev/null 2>&1; then
	echo "FAIL: no arm-none-eabi-gcc (Debian's gcc-arm-none-eabi, tests/install-deps.sh)"
	exit 1
fi
m4="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os"
here=$(cd "$(dirname "$0")" && pwd)
start=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strict="-std=c99 -Wall -Wextra -pedantic -Werror -ffreestanding -O2"
sanflags=""
[ "$san" = none ] || [ -z "$san" ] || sanflags="-fsanitize=$san"
link_cc=${CNET_LINK_CC:-gcc}
