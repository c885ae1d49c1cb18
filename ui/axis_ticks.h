#pragma once
// Tick values and labels for the curves chart's axes, computed here instead of by QtCharts: its log
// axis labels only powers of the base (a perplexity axis from 20 to 35 had no number at all), and
// the bit-width axis wants ticks exactly at the bit-widths plotted. No Qt, so the tests read it.
#include <string>
#include <vector>

namespace qs {

struct AxisTick {
  double value = 0;  // in data units: bits, a metric's value
  std::string label;
};

// Ticks for a logarithmic axis over [lo, hi] (0 < lo < hi): powers of ten, else 1-2-5 steps, else
// every digit of a decade (2, 3, 4), whichever first gives three ticks in range; a range narrower
// than that (20..35) gets evenly spaced round values (20, 25, 30, 35). Ascending, at least two.
std::vector<AxisTick> logAxisTicks(double lo, double hi);

// A number as axes and tooltips print it: `digits` significant digits, and a value that is zero up
// to rounding error (|value| < 1e-9 * scale) as "0", never "-2.78e-17".
std::string axisNumber(double value, double scale = 1.0, int digits = 4);

// Where series `index` of `count` sits around a shared x: spread evenly over `width`, symmetric
// around 0 (so whiskers at one bit-width stand side by side, not on top of each other).
double dodgeOffset(int index, int count, double width);

}  // namespace qs
