#!/usr/bin/env bash
# exercise_diff.sh REFERENCE_TREE EXERCISE_TREE: your answers against the reference (issue 14).
#
# `make exercise-diff LESSON=NN` runs it with lesson NN's tree (the reference) and your exercise
# tree, and pipes in `duplex-lessons exercises NN`: one `path name` line per exercise. For each
# file that holds exercises it says whether you still have a stub, and otherwise shows
# `diff -u reference yours` (lines starting with - are the reference's, + yours). The three lines
# the tool adds to a stubbed file (the include of src/exercise.hpp and two pragmas) are left out.
set -uo pipefail
reference=$1
yours=$2

without_preamble() {
  grep -vxF -e '#include "src/exercise.hpp"' \
    -e '#pragma GCC diagnostic ignored "-Wunused-parameter"' \
    -e '#pragma GCC diagnostic ignored "-Wunused-function"' "$1"
}

declare -A names
order=()
while read -r path name; do
  [ -n "$path" ] || continue
  [ -n "${names[$path]+x}" ] || order+=("$path")
  names[$path]+="${names[$path]:+ }$name"
done

if [ ${#order[@]} -eq 0 ]; then
  echo "this lesson has no exercises"
  exit 0
fi

same=0
for path in "${order[@]}"; do
  if [ ! -f "$yours/$path" ]; then
    echo "== $path: missing from $yours"
    continue
  fi
  stubs=()
  for name in ${names[$path]}; do
    if grep -qF "throw duplex::Exercise(\"$name\"" "$yours/$path"; then stubs+=("$name"); fi
  done
  echo "== $path (${names[$path]// /, })"
  [ ${#stubs[@]} -eq 0 ] || echo "   still a stub: ${stubs[*]}"
  if diff -u --label "reference/$path" --label "yours/$path" \
      <(without_preamble "$reference/$path") <(without_preamble "$yours/$path"); then
    echo "   same as the reference"
    same=$((same + 1))
  fi
done
echo "${same} of ${#order[@]} files match the reference exactly; a different answer that passes" \
  "the tests is a good answer too"
