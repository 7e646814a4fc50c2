// Coroutine adapters over Database: run a Storage call on the reader or writer thread and resume the
// calling coroutine on its own executor (its strand) with the Result.
//
// g++ 12 miscompiles some class-type temporaries whose lifetime spans a co_await (a capturing lambda passed
// as a temporary was destroyed twice here: a double free under ASan). So these take the callables by const
// reference and copy them, callers pass named lambdas, and no temporary with a destructor sits in a co_await
// expression anywhere in api/ (see docs/architecture.md, "Compiler notes").
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

#include "net/beast.hpp"
#include "store/database.hpp"

namespace otk {

template <class T, class F>
net::awaitable<Result<T>> db_read(Database& db, const F& fn) {
  return net::async_initiate<const net::use_awaitable_t<>&, void(Result<T>)>(
      [&db](auto handler, F fn) {
        auto ex = net::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        db.read([h, fn = std::move(fn), ex](Storage& s) mutable {
          Result<T> r = fn(s);
          net::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
        });
      },
      net::use_awaitable, fn);
}

/// Runs fn inside the next group transaction. after_commit runs on the writer thread right after the commit,
/// in commit order, only when the transaction committed and fn succeeded: the place to publish live frames,
/// so that subscribers see messages in sequence order. Then the coroutine resumes with the Result; a failed
/// commit turns a success into `unavailable` (nothing was stored).
template <class T, class F, class After = std::nullptr_t>
net::awaitable<Result<T>> db_write(Database& db, const F& fn, const After& after_commit = nullptr) {
  return net::async_initiate<const net::use_awaitable_t<>&, void(Result<T>)>(
      [&db](auto handler, F fn, After after) {
        auto ex = net::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto state = std::make_shared<std::optional<Result<T>>>();
        db.write(Database::WriteJob{
            [state, fn = std::move(fn)](Storage& s) mutable {
              state->emplace(fn(s));
              return (*state)->has_value();
            },
            [state, h, ex, after = std::move(after)](bool committed) mutable {
              Result<T> r = state->has_value() ? std::move(**state) : fail(Errc::unavailable, "not stored");
              if (!committed && r) r = fail(Errc::unavailable, "storage could not commit; nothing was stored");
              if constexpr (!std::is_same_v<After, std::nullptr_t>) {
                if constexpr (std::is_void_v<T>) {
                  if (committed && r) after();
                } else {
                  if (committed && r) after(*r);
                }
              }
              net::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
            }});
      },
      net::use_awaitable, fn, after_commit);
}

}  // namespace otk
