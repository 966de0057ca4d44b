# Helpers shared by the benchmark scripts (sourced, not run).

# json_field FILE KEY...: prints the value at FILE's nested KEYs.
json_field() {
  python3 - "$@" <<'PY'
import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    value = value[key]
print(value)
PY
}

# compare WHAT NAME_A "A values" NAME_B "B values": prints both medians, the ratio A/B
# and the difference in percent.
compare() {
  python3 - "$@" <<'PY'
import statistics, sys
what, name_a, a, name_b, b = sys.argv[1:6]
ma = statistics.median(map(float, a.split()))
mb = statistics.median(map(float, b.split()))
print(f"median {what}: {name_a} {ma:.3f}, {name_b} {mb:.3f}, "
      f"{name_a}/{name_b} = {ma / mb:.2f} ({100 * (ma - mb) / mb:+.1f}%)")
PY
}
