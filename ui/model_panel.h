#pragma once
// The model panel: Hugging Face folders opened by dialog, drag and drop or the recent list; each is
// checkable (included in the sweep); the current one's card, or a clear message saying why it
// cannot be read.
#include <QWidget>
#include <map>
#include <optional>

#include "ui/model_card.h"

class QLabel;
class QListWidget;
class QListWidgetItem;
class QComboBox;

namespace qs {

class ModelPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ModelPanel(QWidget* parent = nullptr);

  // Reads the folder's card; on success adds it (checked) and makes it current, else shows why
  // and returns false. Never throws.
  bool openModel(const QString& dir);
  QStringList selectedModels() const;  // checked folders, in list order
  QString currentModel() const;
  // The current model's card; nullopt when none is open.
  std::optional<ModelCard> currentCard() const;
  // The message shown for the last folder that could not be opened ("" after a success).
  QString errorText() const { return error_; }
  QListWidget* list() const { return list_; }
  QLabel* cardLabel() const { return card_; }
  void refreshRecent();

 public Q_SLOTS:
  void browse();

 Q_SIGNALS:
  void selectionChanged();
  void modelOpened(const QString& dir);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void showCard(const QString& dir);
  void showError(const QString& message);

  QListWidget* list_ = nullptr;
  QLabel* card_ = nullptr;
  QComboBox* recent_ = nullptr;
  std::map<QString, ModelCard> cards_;  // by absolute folder
  QString error_;
};

// The card as rich text (a small table), for the panel and the run details.
QString modelCardHtml(const ModelCard& card);

}  // namespace qs
