#include "store/database.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>

#include "store/sqlite/sqlite_storage.hpp"

namespace otk {
namespace {

namespace fs = std::filesystem;

struct DatabaseTest : ::testing::Test {
  void SetUp() override {
    dir = fs::temp_directory_path() / ("otk-db-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    path = (dir / "otklik.db").string();
    auto w = std::make_unique<SqliteStorage>(path, true);
    account = *w->ensure_account("A", clock.now());
    Site s;
    s.account = account;
    s.key = "k";
    s.name = "S";
    site = *w->upsert_site(s, clock.now());
    visitor = *w->create_visitor(site, "tok", clock.now());
    db = std::make_unique<Database>(std::move(w), std::make_unique<SqliteStorage>(path, false),
                                    [this](double, std::size_t jobs, bool) { batches++, max_batch = std::max(max_batch.load(), jobs); });
  }
  void TearDown() override {
    db.reset();
    fs::remove_all(dir);
  }

  ManualClock clock;
  fs::path dir;
  std::string path;
  AccountId account;
  SiteId site;
  Visitor visitor;
  std::atomic<int> batches{0};
  std::atomic<std::size_t> max_batch{0};
  std::unique_ptr<Database> db;
};

TEST_F(DatabaseTest, ConcurrentWritesAreGroupedCommittedAndCompletedInOrder) {
  constexpr int kJobs = 2000;
  std::vector<Seq> seqs;
  std::mutex mu;
  std::promise<void> all_done;
  std::atomic<int> done{0};
  for (int i = 0; i < kJobs; ++i) {
    auto result = std::make_shared<Result<Appended>>(fail(Errc::internal, "not run"));
    db->write({[=, this](Storage& s) {
                 *result = s.append_visitor_message(visitor, NewMessage{"m" + std::to_string(i), "x", clock.now()});
                 return result->has_value();
               },
               [&, result](bool committed) {
                 ASSERT_TRUE(committed);
                 std::lock_guard lock(mu);
                 seqs.push_back(result->value().message.seq);
                 if (++done == kJobs) all_done.set_value();
               }});
  }
  ASSERT_EQ(all_done.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  // The last completion may still be unlocking `mu` and returning from set_value() on the writer thread: join it
  // before the test's locals go away (that race crashed this test once in a few hundred runs).
  db->stop();
  for (int i = 0; i < kJobs; ++i) ASSERT_EQ(seqs[i], i + 1);  // completions in commit order
  EXPECT_LT(batches.load(), kJobs);                              // grouped, not one fsync per message
  EXPECT_GT(max_batch.load(), 1u);
}

TEST_F(DatabaseTest, ARefusedJobRollsBackOnlyItself) {
  std::promise<void> p;
  std::atomic<int> committed_jobs{0};
  auto ok_job = [&](std::string cid) {
    return Database::WriteJob{[=, this](Storage& s) {
                                return s.append_visitor_message(visitor, NewMessage{cid, "x", clock.now()}).has_value();
                              },
                              [&](bool c) { committed_jobs += c; }};
  };
  db->write(ok_job("a"));
  // Writes a row, then refuses: its row must disappear while its neighbours stay.
  db->write({[=, this](Storage& s) {
               (void)s.append_visitor_message(visitor, NewMessage{"refused", "x", clock.now()});
               return false;
             },
             [](bool) {}});
  db->write(ok_job("b"));
  db->write({[](Storage&) { return true; }, [&](bool) { p.set_value(); }});
  p.get_future().wait();
  db->stop();  // the writer thread leaves the completion that touched `p` before `p` goes away
  SqliteStorage check(path, false);
  auto s = check.connection().prepare("SELECT group_concat(client_id, ',') FROM (SELECT client_id FROM messages ORDER BY seq)");
  s.step();
  EXPECT_EQ(s.str(0), "a,b");
  EXPECT_EQ(committed_jobs.load(), 2);
}

TEST_F(DatabaseTest, StopDrainsQueuedWritesAndRefusesLaterOnes) {
  std::atomic<int> committed{0};
  for (int i = 0; i < 100; ++i) {
    db->write({[=, this](Storage& s) {
                 return s.append_visitor_message(visitor, NewMessage{"m" + std::to_string(i), "x", clock.now()}).has_value();
               },
               [&](bool c) { committed += c; }});
  }
  db->stop();
  EXPECT_EQ(committed.load(), 100);
  bool refused_committed = true;
  db->write({[](Storage&) { return true; }, [&](bool c) { refused_committed = c; }});
  EXPECT_FALSE(refused_committed);
}

TEST_F(DatabaseTest, ReadsRunOnTheirOwnConnection) {
  std::promise<bool> p;
  db->read([&](Storage& s) { p.set_value(s.site_by_key("k")->has_value()); });
  EXPECT_TRUE(p.get_future().get());
  db->stop();  // the reader thread leaves the job that touched `p` before `p` goes away
}

}  // namespace
}  // namespace otk
