#include "store/database.hpp"

#include <chrono>


namespace otk {

Database::Database(std::unique_ptr<Storage> writer, std::unique_ptr<Storage> reader, CommitObserver observer)
    : writer_storage_(std::move(writer)), reader_storage_(std::move(reader)), observer_(std::move(observer)) {
  writer_ = std::thread([this] { writer_loop(); });
  reader_ = std::thread([this] { reader_loop(); });
}

Database::~Database() { stop(); }

void Database::write(WriteJob job) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      writes_.push_back(std::move(job));
      write_cv_.notify_one();
      return;
    }
  }
  job.done(false);  // after stop nothing is stored; the caller reports `unavailable`
}

void Database::read(ReadJob job) {
  std::lock_guard lock(mu_);
  reads_.push_back(std::move(job));
  read_cv_.notify_one();
}

void Database::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  write_cv_.notify_all();
  read_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (reader_.joinable()) reader_.join();
}

bool Database::begin_tx() {
  try {
    writer_storage_->tx_begin();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool Database::end_tx(bool commit) {
  try {
    writer_storage_->tx_end(commit);
    return commit;
  } catch (const std::exception&) {
    try {
      writer_storage_->tx_end(false);
    } catch (const std::exception&) {
    }
    return false;
  }
}

void Database::writer_loop() {
  std::vector<WriteJob> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      write_cv_.wait(lock, [&] { return stopping_ || !writes_.empty(); });
      if (writes_.empty()) return;  // stopping and drained
      while (!writes_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(writes_.front()));
        writes_.pop_front();
      }
    }
    const auto t0 = std::chrono::steady_clock::now();
    bool committed = begin_tx();
    if (committed) {
      for (auto& job : batch) {
        // A savepoint per job: one refused job (a constraint, a full disk) rolls back only its own rows.
        bool ok = false;
        try {
          writer_storage_->savepoint_begin();
          ok = job.run(*writer_storage_);
          writer_storage_->savepoint_end(ok);
        } catch (const std::exception&) {
          committed = false;  // the transaction itself is broken: roll everything back
          break;
        }
      }
      committed = end_tx(committed);
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (observer_) observer_(secs, batch.size(), committed);
    for (auto& job : batch) job.done(committed);
    batch.clear();
  }
}

void Database::reader_loop() {
  for (;;) {
    ReadJob job;
    {
      std::unique_lock lock(mu_);
      read_cv_.wait(lock, [&] { return stopping_ || !reads_.empty(); });
      if (reads_.empty()) return;
      job = std::move(reads_.front());
      reads_.pop_front();
    }
    job(*reader_storage_);
  }
}

}  // namespace otk
