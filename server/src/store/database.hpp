// Runs Storage calls off the I/O threads: one writer thread that batches queued writes into shared
// transactions (group commit: one fsync for many messages), and one reader thread with its own connection
// (WAL lets it read while the writer writes). Completions run on the database threads; callers hop back to
// their own executor (app/db_await.hpp does that for coroutines).
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "app/ports/storage.hpp"

namespace otk {

class Database {
 public:
  /// One unit of work inside a group transaction. `run` returns false to roll its own part back (a savepoint);
  /// `done(committed)` is called after the transaction ended, in submission order, on the writer thread.
  struct WriteJob {
    std::function<bool(Storage&)> run;
    std::function<void(bool committed)> done;
  };
  using ReadJob = std::function<void(Storage&)>;
  /// Called after every group commit with its duration in seconds and the number of jobs.
  using CommitObserver = std::function<void(double seconds, std::size_t jobs, bool ok)>;

  /// Takes the writer's and the reader's storage (separate connections to one database).
  Database(std::unique_ptr<Storage> writer, std::unique_ptr<Storage> reader, CommitObserver observer = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void write(WriteJob job);
  void read(ReadJob job);

  /// Finishes every queued job, then stops both threads. Idempotent.
  void stop();

  /// Largest number of jobs in one transaction; more wait for the next one.
  static constexpr std::size_t kMaxBatch = 512;

 private:
  void writer_loop();
  void reader_loop();
  bool begin_tx();
  bool end_tx(bool commit);

  std::unique_ptr<Storage> writer_storage_;
  std::unique_ptr<Storage> reader_storage_;
  CommitObserver observer_;

  std::mutex mu_;
  std::condition_variable write_cv_, read_cv_;
  std::deque<WriteJob> writes_;
  std::deque<ReadJob> reads_;
  bool stopping_ = false;
  std::thread writer_, reader_;
};

}  // namespace otk
