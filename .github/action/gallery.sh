#!/usr/bin/env bash
# Step "Render the gallery" of action.yml: `lrviz gallery` on the user's config folder.
#   LRVIZ_CONFIGS, LRVIZ_OUTPUT  the folders (inputs configs, output)
#   LRVIZ_CHECK, LRVIZ_TRUST     'true' or 'false' (inputs check, trust)
# Writes to $GITHUB_OUTPUT: path (the folder to upload), current (true/false), status
# (lrviz's exit code; the action's last step fails with it). It exits 0 itself so the
# gallery is uploaded either way; only bad inputs exit 2 here. With check, a stale
# gallery is rendered afresh into $RUNNER_TEMP and that is uploaded, ready to commit.
set -uo pipefail
: "${LRVIZ_CONFIGS:?}" "${LRVIZ_OUTPUT:?}"

flag() {  # flag NAME VALUE -> prints true or false, or exits 2 naming the input
    case "$(printf '%s' "$2" | tr '[:upper:]' '[:lower:]')" in
        true | yes | 1) echo true ;;
        false | no | 0 | "") echo false ;;
        *) echo "::error title=lrviz::input '$1' must be true or false, got '$2'" >&2; exit 2 ;;
    esac
}
check=$(flag check "${LRVIZ_CHECK:-false}") || exit 2
trust=$(flag trust "${LRVIZ_TRUST:-false}") || exit 2
args=()
[ "$trust" = true ] && args+=(--trust)
out="${GITHUB_OUTPUT:-/dev/null}"

if [ "$check" = true ]; then
    lrviz gallery "$LRVIZ_CONFIGS" -o "$LRVIZ_OUTPUT" --check "${args[@]}"
    status=$?
    path="$LRVIZ_OUTPUT"
    if [ "$status" != 0 ]; then
        path="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/lrviz-gallery"
        rm -rf "$path"
        echo "::error title=lrviz gallery::'$LRVIZ_OUTPUT' is not what '$LRVIZ_CONFIGS' produce now; the fresh gallery is in the artifact (or run: lrviz gallery $LRVIZ_CONFIGS -o $LRVIZ_OUTPUT${args[*]:+ ${args[*]}})"
        lrviz gallery "$LRVIZ_CONFIGS" -o "$path" "${args[@]}" || true
    fi
else
    lrviz gallery "$LRVIZ_CONFIGS" -o "$LRVIZ_OUTPUT" "${args[@]}"
    status=$?
    path="$LRVIZ_OUTPUT"
    [ "$status" = 0 ] || echo "::error title=lrviz gallery::some configs failed (named above); the others are in the artifact"
fi
[ -d "$path" ] || path=""
current=false
[ "$status" = 0 ] && current=true
{
    echo "path=$path"
    echo "status=$status"
    echo "current=$current"
} >> "$out"
exit 0
