#pragma once
// Work that must not block the GUI thread (reading per-item results, task data, recommendations):
// `work` runs on Qt's global thread pool and `done` runs afterwards on `context`'s thread, unless
// `context` was destroyed meanwhile (a closed dialog): then the result is dropped. `work` must not
// touch widgets or the GUI's store connection; it opens its own read-only ExperimentStore.
#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QString>
#include <QThreadPool>
#include <exception>
#include <functional>
#include <memory>
#include <utility>

namespace qs {

template <typename Result>
struct JobOutcome {
  Result result{};
  QString error;  // what() of an exception thrown by the work; "" when it finished
};

template <typename Result>
void runInBackground(QObject* context, std::function<Result()> work, std::function<void(JobOutcome<Result>)> done) {
  // QThreadPool::start takes a copyable std::function: the move-only promise lives in a shared_ptr.
  auto promise = std::make_shared<QPromise<JobOutcome<Result>>>();
  QFuture<JobOutcome<Result>> future = promise->future();
  future.then(context, [done = std::move(done)](JobOutcome<Result> outcome) { done(std::move(outcome)); });
  QThreadPool::globalInstance()->start([promise, work = std::move(work)] {
    promise->start();
    JobOutcome<Result> outcome;
    try {
      outcome.result = work();
    } catch (const std::exception& e) {
      outcome.error = QString::fromUtf8(e.what());
    }
    promise->addResult(std::move(outcome));
    promise->finish();
  });
}

}  // namespace qs
