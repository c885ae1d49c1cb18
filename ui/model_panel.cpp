#include "ui/model_panel.h"

#include <QComboBox>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMimeData>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include "core/base/error.h"
#include "core/model/family.h"
#include "ui/app_settings.h"

namespace qs {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString row(const QString& key, const QString& value) {
  return "<tr><td style='padding-right:8px'><b>" + key + "</b></td><td>" + value + "</td></tr>";
}

}  // namespace

QString modelCardHtml(const ModelCard& c) {
  const auto& m = c.config;
  QString html = "<table>";
  html += row("Model", q(c.name).toHtmlEscaped());
  html += row("Family", q(std::string(familyName(m.family))) + " (model_type " + q(m.modelType).toHtmlEscaped() + ")");
  if (c.parameters > 0)
    html += row("Parameters", q(formatCount(c.parameters)) + QString(" (%L1)").arg(c.parameters));
  else
    html += row("Parameters", "unknown");
  html += row("Stored dtype", q(c.storedDtype) + (c.weightFiles > 1 ? QString(", %1 shards").arg(c.weightFiles) : QString()));
  html += row("Layers", QString::number(m.numLayers));
  const auto& a = m.attention;
  if (a.numHeads > 0) {
    html += row("Heads", a.numKvHeads == a.numHeads ? QString::number(a.numHeads)
                         : a.numKvHeads == 1        ? QString("%1 (one KV head, multi-query)").arg(a.numHeads)
                                                    : QString("%1 (KV %2, grouped-query)").arg(a.numHeads).arg(a.numKvHeads));
    html += row("Hidden / head dim", QString("%1 / %2").arg(m.hiddenSize).arg(a.headDim));
  } else {
    html += row("Hidden", QString::number(m.hiddenSize));
  }
  html += row("Context", m.maxPositions > 0 ? QString::number(m.maxPositions) + " tokens" : QString("no limit of its own"));
  html += row("Vocabulary", QString::number(m.vocabSize));
  if (!m.hasKvCache())
    html += row("Decode state", QString("conv window %1 + SSM state %2 per channel, %3 channels; no KV cache")
                                    .arg(m.ssm.convKernel - 1).arg(m.ssm.stateSize).arg(m.mlp.intermediateSize));
  if (c.parameters > 0 && m.hasKvCache()) {
    html += row("Memory (CPU, fp32)", q(formatBytes(c.weightMemory(4))) + " weights + " +
                                          q(formatBytes(c.kvCacheMemory(4))) + " KV cache at full context");
    html += row("Memory (GPU, fp16)", q(formatBytes(c.weightMemory(2))) + " weights + " +
                                          q(formatBytes(c.kvCacheMemory(2))) + " KV cache");
  } else if (c.parameters > 0) {
    html += row("Memory (CPU, fp32)", q(formatBytes(c.weightMemory(4))) + " weights + " +
                                          q(formatBytes(c.stateMemory(4))) + " state per sequence (any length)");
    html += row("Memory (GPU, fp16)", q(formatBytes(c.weightMemory(2))) + " weights + " +
                                          q(formatBytes(c.stateMemory(4))) + " state (float32)");
  }
  html += "</table>";
  if (!c.weightWarning.empty())
    html += "<p style='color:#b00'>Weights: " + q(c.weightWarning).toHtmlEscaped() + "</p>";
  return html;
}

ModelPanel::ModelPanel(QWidget* parent) : QWidget(parent) {
  setAcceptDrops(true);
  auto* layout = new QVBoxLayout(this);
  auto* buttons = new QHBoxLayout;
  auto* open = new QPushButton("Open model folder…", this);
  open->setToolTip("A Hugging Face folder: config.json and model.safetensors (or a sharded index). "
                   "You can also drop a folder here.");
  connect(open, &QPushButton::clicked, this, &ModelPanel::browse);
  buttons->addWidget(open);
  recent_ = new QComboBox(this);
  recent_->setToolTip("Recently opened model folders");
  buttons->addWidget(recent_, 1);
  layout->addLayout(buttons);
  connect(recent_, &QComboBox::activated, this, [this](int index) {
    if (index > 0) openModel(recent_->itemData(index).toString());
    recent_->setCurrentIndex(0);
  });

  list_ = new QListWidget(this);
  list_->setToolTip("Checked models are included in the sweep");
  list_->setMaximumHeight(110);
  layout->addWidget(list_);
  connect(list_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    if (item) showCard(item->data(Qt::UserRole).toString());
  });
  connect(list_, &QListWidget::itemChanged, this, [this] { Q_EMIT selectionChanged(); });

  card_ = new QLabel(this);
  card_->setWordWrap(true);
  card_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  card_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  card_->setText("No model open. Open a Hugging Face folder or drop one here.");
  auto* scroll = new QScrollArea(this);  // the card may be taller than the dock
  scroll->setWidget(card_);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  layout->addWidget(scroll, 1);
  refreshRecent();
}

void ModelPanel::refreshRecent() {
  recent_->clear();
  recent_->addItem("Recent models…");
  for (const auto& dir : AppSettings::recentModels()) recent_->addItem(QDir(dir).dirName(), dir);
  recent_->setEnabled(recent_->count() > 1);
}

void ModelPanel::browse() {
  const QString dir = QFileDialog::getExistingDirectory(this, "Open a Hugging Face model folder");
  if (!dir.isEmpty()) openModel(dir);
}

bool ModelPanel::openModel(const QString& dir) {
  const QString absolute = QFileInfo(dir).absoluteFilePath();
  try {
    ModelCard card = loadModelCard(absolute.toStdString());
    cards_[absolute] = std::move(card);
  } catch (const Error& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  } catch (const std::exception& e) {  // filesystem errors (permissions) reach the user the same way
    showError(absolute + ": " + QString::fromUtf8(e.what()));
    return false;
  }
  error_.clear();
  QListWidgetItem* item = nullptr;
  for (int i = 0; i < list_->count(); ++i)
    if (list_->item(i)->data(Qt::UserRole).toString() == absolute) item = list_->item(i);
  if (!item) {
    item = new QListWidgetItem(QString::fromStdString(cards_[absolute].name));
    item->setData(Qt::UserRole, absolute);
    item->setToolTip(absolute);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Checked);
    list_->addItem(item);
  }
  list_->setCurrentItem(item);
  showCard(absolute);
  AppSettings::addRecentModel(absolute);
  refreshRecent();
  Q_EMIT modelOpened(absolute);
  Q_EMIT selectionChanged();
  return true;
}

QStringList ModelPanel::selectedModels() const {
  QStringList dirs;
  for (int i = 0; i < list_->count(); ++i)
    if (list_->item(i)->checkState() == Qt::Checked) dirs << list_->item(i)->data(Qt::UserRole).toString();
  return dirs;
}

QString ModelPanel::currentModel() const {
  return list_->currentItem() ? list_->currentItem()->data(Qt::UserRole).toString() : QString();
}

std::optional<ModelCard> ModelPanel::currentCard() const {
  auto it = cards_.find(currentModel());
  if (it == cards_.end()) return std::nullopt;
  return it->second;
}

void ModelPanel::showCard(const QString& dir) {
  auto it = cards_.find(dir);
  if (it != cards_.end()) card_->setText(modelCardHtml(it->second));
}

void ModelPanel::showError(const QString& message) {
  error_ = message;
  card_->setText("<p style='color:#b00'><b>Cannot open this model.</b></p><p>" + message.toHtmlEscaped() + "</p>");
}

void ModelPanel::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void ModelPanel::dropEvent(QDropEvent* event) {
  for (const QUrl& url : event->mimeData()->urls()) {
    QFileInfo info(url.toLocalFile());
    // A dropped config.json or weight file stands for its folder.
    openModel(info.isDir() ? info.absoluteFilePath() : info.absolutePath());
  }
  event->acceptProposedAction();
}

}  // namespace qs

#include "moc_model_panel.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
