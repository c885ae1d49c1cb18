#include "ui/sweep_controller.h"

namespace qs {

SweepController::SweepController(QObject* parent) : QObject(parent) {
  qRegisterMetaType<qs::SweepProgress>();
  qRegisterMetaType<qs::PlannedRun>();
  qRegisterMetaType<QVector<qs::PlannedRun>>();
  qRegisterMetaType<qs::PointOutcome>();
  thread_.setObjectName("sweep");
}

SweepController::~SweepController() { stop(); }

bool SweepController::start(const QString& database, const SweepSpec& spec) {
  if (running_) return false;
  control_ = std::make_shared<SweepControl>();
  worker_ = new SweepWorker(control_);
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  connect(worker_, &SweepWorker::planned, this, &SweepController::planned);
  connect(worker_, &SweepWorker::planFailed, this, &SweepController::planFailed);
  connect(worker_, &SweepWorker::pointStarted, this, &SweepController::pointStarted);
  connect(worker_, &SweepWorker::pointProgress, this, &SweepController::pointProgress);
  connect(worker_, &SweepWorker::pointFinished, this, &SweepController::pointFinished);
  connect(worker_, &SweepWorker::runStored, this, &SweepController::runStored);
  connect(worker_, &SweepWorker::logMessage, this, &SweepController::logMessage);
  connect(worker_, &SweepWorker::finished, this, [this](bool cancelled) {
    thread_.quit();
    thread_.wait();  // the worker has returned from run(): the thread ends at once
    running_ = false;
    Q_EMIT finished(cancelled);
  });
  running_ = true;
  thread_.start();
  SweepWorker* worker = worker_;
  QMetaObject::invokeMethod(worker, [worker, database, spec] { worker->run(database, spec); }, Qt::QueuedConnection);
  return true;
}

void SweepController::cancelPoint(int index) {
  if (control_) control_->cancelPoint(index);
}

void SweepController::cancelAll() {
  if (control_) control_->cancelAll();
}

bool SweepController::stop(int ms) {
  if (!thread_.isRunning()) return true;
  cancelAll();
  thread_.quit();
  return thread_.wait(ms);
}

}  // namespace qs

#include "moc_sweep_controller.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
