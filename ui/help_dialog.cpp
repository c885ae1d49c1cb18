#include "ui/help_dialog.h"

#include <QDialogButtonBox>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace qs {

QString HelpDialog::helpHtml() {
  return R"(
<h2>QuantScope</h2>
<p>QuantScope measures what post-training quantization of the <b>weights (W)</b>, the <b>activations (A)</b>
and the <b>KV cache (KV)</b> does to a language model, on the tasks you choose, and shows why with
per-layer tensor statistics. It follows <i>Evaluating Quantized Large Language Models</i> (Li et al., 2024).</p>

<h3>The experiment database</h3>
<p>Everything lives in one SQLite file (<code>.qsdb</code>): models, runs, metrics, statistics and logs.
Each run is stored the moment it finishes, so there is nothing to save. <b>File &gt; New</b> creates a
database, <b>File &gt; Open</b> or <b>Open recent</b> reopens one (you can also drop a <code>.qsdb</code> on
the window). A database made by <code>quantscope-cli sweep</code> on a server or cluster, or merged with
<code>quantscope-cli merge</code>, opens here the same way; while another process writes into it the views
update by themselves. A run found <i>running</i> when a database is opened is left alone while the process
running it is alive on this machine; a run whose process has ended is marked <i>interrupted</i>, and the
next sweep that includes it runs it again.</p>

<h3>Setting up a sweep</h3>
<ol>
<li><b>Model</b> panel: open a Hugging Face folder (<code>config.json</code> and <code>model.safetensors</code>
or a sharded index) with the button, by dropping it, or from the recent list. The card shows family,
parameters, stored dtype, layers, heads, context and a memory estimate; it is read from the config and the
safetensors headers only. A folder that cannot be read shows why. Checked models are part of the sweep.</li>
<li><b>Quantization</b> panel: the checked W, A and KV bit-widths are combined as a cross product (16 means
not quantized), and the checked presets of the paper's grid (W8 W4 W3 W2, W8A8 W4A8 W4A4, KV8 KV4 KV3 KV2)
are added. Grouping (per group of N elements, per channel, per tensor) and symmetric or asymmetric range
apply to all of them. The checked <b>methods</b> (RTN, AWQ, GPTQ, SmoothQuant, QuaRot) are one more dimension:
each is applied to every configuration it can serve (AWQ and GPTQ need quantized weights, SmoothQuant quantized
activations; the summary counts the combinations left out, its tooltip names them), so the curves show RTN and
each method as separate series. The methods compute from the calibration text of the data directory. The list
below shows the configurations by their canonical names, e.g. <code>W4A16KV16-g128-gptq</code>. Before a sweep
starts, configurations that cannot fit a selected model (a group size that does not divide a dimension) are
listed and you choose whether to start anyway.</li>
<li><b>Tasks</b> panel: the task files of the tasks directory, grouped by kind. <b>Limit</b> evaluates N examples of each
task, a subsample drawn with the sweep's seed, the same for every configuration (<i>all</i> = the whole test set).</li>
<li><b>Run queue</b>: shows the number of runs before you start: configurations &times; tasks &times; models,
plus one unquantized (FP16) baseline per model and task. <b>Start sweep</b> (Ctrl+R) plans the sweep; runs
already in the database with the same model, config, task version, limit and seed are not redone.</li>
</ol>
<p>The sweep runs in the background; the window stays responsive. Each model is loaded once and re-quantized
for each configuration. Each row shows status, progress, ETA and
tokens per second. <b>Cancel selected</b> skips queued runs or stops the running one; <b>Cancel all</b> stops the
sweep. A cancelled run stops within about a second; it is kept with the status <i>interrupted</i> (and the
reason in its log) but with no metrics, so no partial score is ever shown, and the next sweep over the same
database redoes it.</p>

<h3>Views</h3>
<ul>
<li><b>Curves</b>: a metric against bit-width for one task. One series per model and tensor type: W (x = weight
bits), KV (x = KV bits), and WA with x = activation bits and one series per weight bit-width. The dashed line is
the model's FP16 baseline. <i>Relative to FP16</i> shows the percent change (the paper's "&lt; 2% loss"
criterion). <i>x: bits per weight</i> places the weight-only configurations at their memory cost, scales and zero
points included (as recorded with each run; from the name for older runs), so NF4, MX and FP8 formats, group sizes
and mixed-precision recipes sit where they really are (W+A and KV series stay on the bit-width axis).
Perplexities default to a log axis. The x axis is labelled at the bit-widths that have results; series
at the same bit-width are drawn slightly side by side so that their whiskers do not hide each other. Whiskers are
&plusmn; one standard error; hover a point or its whisker for the series, bit-width, configuration, value &plusmn;
standard error and number of examples; click a legend entry to hide or show that series. Configurations quantizing two tensor types at once
(e.g. W4A16KV4) appear in the results table only. <b>Significance:</b> where a run and its FP16 run both stored
per-item results, the two are compared item by item (McNemar's exact test on the items that flip from right to wrong
or back; a paired t-test where items are not right / wrong, such as perplexity windows). A point drawn as a
<b>&#9733; star</b> differs from FP16 by more than noise (p &lt; 0.05); a plain point was tested and is not
significant, or has no per-item results (runs stored before schema version 5). Hover a point for its p-value. If the
runs on the chart were measured differently (another perplexity window or stride, few-shot count, seed, task
version or data folder) an orange note under the chart names what differs.</li>
<li><b>Heatmaps</b>: for one model and configuration, a layer &times; tensor grid of kurtosis (Pearson: a normal
distribution gives 3), absmax, standard deviation or outlier ratio (fraction of elements beyond k standard
deviations) for weights (W), activations (A), keys (K) and values (V). Activation and KV statistics come from
calibration text (chosen in the second box). A cell with no value (that tensor was not measured there) is hatched
grey, marked <i>n/a</i> under the colour bar; on the log colour scale a zero (an outlier ratio without outliers)
takes the bottom colour, whose label then reads &le;. Click a cell for that tensor's numbers and its layer &times; channel
absmax profile, where outlier channels show as bright columns. The same box offers the per-tensor analyses, layer
&times; role for one configuration and calibration text: <b>sensitivity (KL)</b>, the KL divergence of the model with
only that tensor quantized against the full-precision model (<code>quantscope-cli sensitivity</code>), and the
<b>weight SQNR</b> and <b>output SQNR</b> in dB, the signal-to-quantization-noise ratio of the quantized weight and of
the linear's output on the calibration text (higher = less error; <code>quantscope-cli quant-error</code>). Above the
map, Spearman's rank correlation of the shown quantity with the tensors' weight kurtosis says whether heavy-tailed
tensors are the ones that suffer (&rho; near 0: kurtosis does not predict it).</li>
<li><b>Results table</b>: every metric of every run with &plusmn; standard error, sample count and the change
against the baseline (signed so that negative is worse). Click a header to sort; type in the filter box to keep
matching rows; Ctrl+C copies the selected rows (tab separated). Selecting a row shows the run's details: config,
software versions, device, timings, error and log. The <i>paper layout</i> shows one row per model and
configuration and one column per task and metric, absolute or as % change against FP16 (red: more than the
paper's 2% loss); it is the table <code>quantscope-cli export</code> writes. The details also show the run's
<b>protocol</b> (prompt protocol, few-shot count, limit, seed, data folder, perplexity window and stride) and how many
per-item results it stored. A &#9888; warning icon on a task (and on the Task header, or on the task's column in the
paper layout) means its runs differ in protocol; its tooltip names what differs.</li>
<li><b>Compare with FP16&hellip;</b> (button above the results table, or right-click a run): the items the selected
quantized run gets wrong that its FP16 run got right (<i>lost</i>) and the reverse (<i>gained</i>), with a line
giving the counts and McNemar's exact p. Select an item for its question as the model saw it, its choices with the
gold answer marked, and both runs' answers (the chosen choice, or the generated text). It reads the task's data from
the folder the run used. A run stored before per-item results existed (schema version 5), or one without a finished
FP16 run of the same task, version, limit and seed, is said to be so.</li>
<li><b>Recommendation</b>: which configuration to use. For each model and task kind (and all kinds together), the
cheapest weight-only, weight-activation, KV-cache and overall configuration whose mean loss against FP16 stays
within the <b>loss budget</b> (2&nbsp;% by default, the paper's criterion); below, every configuration ranked by bits
per weight with its mean loss and its loss on each task (green: within the budget; * = more than noise at
p &lt; 0.05). Type task names to judge by those only; the notes say when nothing meets the budget or a task was not
run. <code>quantscope-cli recommend</code> prints the same.</li>
<li><b>Log</b>: messages of the workbench and of the running sweep.</li>
</ul>

<h3>Export</h3>
<p><b>File &gt; Export</b> writes the current chart or heatmap as PDF, SVG or PNG (at the DPI set in
Preferences), laid out at a fixed 160 &times; 100 mm with fixed fonts, not a screen grab; the results table (as
filtered and sorted) as CSV, LaTeX (booktabs) or Markdown; and the <b>figure set</b>: every curves chart
(absolute and relative), every heatmap, the paper-layout tables and the results table of the database into one
folder.</p>

<h3>Preferences</h3>
<p>Device (CPU, or a CUDA GPU when this build's libtorch can use one), compute threads, the data and tasks
directories, and the PNG export resolution.</p>

<h3>Command line</h3>
<p><code>quantscope [DATABASE.qsdb] [--model DIR]</code> opens the window with that database (created when
missing) and model; <code>--data-dir DIR</code> evaluates on that data directory for this session (the
README's demo uses the demo model's own data, <code>resources/demo-data</code>). For demos and scripted
screenshots: <code>--task NAME</code>, <code>--preset NAME</code>,
<code>--granularity per-channel</code>, <code>--limit N</code> set the panels, <code>--start</code> starts the
sweep, <code>--screenshot FILE.png --screenshot-tab heatmaps</code> saves the window and quits. The same engine
runs headless as <code>quantscope-cli</code>.</p>
)";
}

HelpDialog::HelpDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle("QuantScope help");
  resize(720, 760);
  auto* layout = new QVBoxLayout(this);
  auto* text = new QTextBrowser(this);
  text->setHtml(helpHtml());
  text->setOpenExternalLinks(false);
  layout->addWidget(text);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
}

}  // namespace qs

#include "moc_help_dialog.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
