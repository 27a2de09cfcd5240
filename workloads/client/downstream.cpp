// SPDX-License-Identifier: Apache-2.0
#include "workloads/client/downstream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <limits>

#include "workloads/client/exchange.hpp"
#include "workloads/policy/backoff.hpp"
#include "workloads/policy/deadline.hpp"

namespace faultline::workloads::client {

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

prometheus::Labels downstream_labels(prometheus::Labels labels, const std::string& name) {
  labels["downstream"] = name;
  return labels;
}

// The span cause of a call's or attempt's cause: the same values (outcome.hpp).
trace::SpanCause span_cause(Cause c) { return static_cast<trace::SpanCause>(c); }

uint8_t clamp_u8(uint32_t v) { return static_cast<uint8_t>(std::min<uint32_t>(v, 255)); }

Cause deny_cause(DenyReason r) {
  switch (r) {
    case DenyReason::kDeadline: return Cause::kDeadline;
    case DenyReason::kThrottle: return Cause::kThrottled;
    case DenyReason::kBudget: return Cause::kBudgetExhausted;
  }
  return Cause::kDeadline;
}

}  // namespace

// The state one call shares with its attempts. Attempts run as their own
// coroutines on the strand (so that a hedge can run beside the first
// attempt and a loser can be cancelled alone); each one reports into its
// Attempt and wakes the call's loop by cancelling `wake`. The loop keeps
// every deadline itself (attempt timeouts, hedge and retry times) on that
// one timer.
struct Downstream::CallState {
  struct Attempt {
    asio::cancellation_signal cancel;
    int64_t deadline_ns = kNever;
    bool callers_deadline = false;  // the deadline is the caller's, not the timeout
    bool reported = false;          // its result is in `result`
    bool done = false;              // ... and the loop has taken it into account
    bool timed_out = false;         // cancelled by the loop at its deadline
    ExchangeResult result;
    trace::Recorder::Span span;     // its record, and the parent it sends
    char traceparent[trace::kTraceparentSize];
  };

  CallState(const asio::any_io_executor& ex, uint32_t max_attempts)
      : wake(ex), attempts(new Attempt[max_attempts]), max_attempts(max_attempts) {}

  asio::steady_timer wake;
  // Sized once for every attempt the call may make: one allocation, and an
  // attempt's cancellation signal never moves while its coroutine runs.
  std::unique_ptr<Attempt[]> attempts;
  uint32_t max_attempts;
  uint32_t launched = 0;
  uint32_t in_flight = 0;
  uint32_t unprocessed = 0;  // reported, not yet done
  bool stop = false;         // the caller cancelled, or shutdown()
  trace::Recorder::Span* call_span = nullptr;  // the call's span (in run()'s frame)
  CallState* prev = nullptr;  // Downstream::active_
  CallState* next = nullptr;
};

Downstream::Downstream(asio::any_io_executor ex, const spec::Call& call, const policy::Clock& clock,
                       prometheus::Registry& registry, DownstreamOptions options)
    : strand_(options.own_strand ? asio::any_io_executor(asio::make_strand(ex)) : ex),
      call_(call),
      clock_(clock),
      name_(call.to_node + ":" + std::to_string(call.to_port)),
      options_(std::move(options)),
      trace_name_(options_.recorder ? options_.recorder->name(name_) : 0),
      metrics_(registry, downstream_labels(options_.labels, name_)),
      pool_(strand_, call.to_node, call.to_port, options_.max_connections),
      breaker_(call.breaker, clock),
      budget_(call.budget_ppm, call.budget_min_per_s, clock),
      throttle_(call.throttle) {
  metrics_.breaker_state.Set(static_cast<double>(breaker_.state()));
  breaker_.set_on_transition([this](policy::BreakerState, policy::BreakerState to) { metrics_.on_transition(to); });
}

Downstream::~Downstream() = default;

asio::awaitable<Outcome> Downstream::call(std::optional<int64_t> caller_deadline_ns, policy::Rng& rng,
                                          std::string_view path, const trace::TraceContext* parent) {
  trace::TraceContext ctx;
  if (parent)
    ctx = *parent;
  else if (options_.recorder)
    ctx = options_.recorder->new_trace(true);
  // Hop onto the strand for the whole call; cancellation of the awaiting
  // coroutine reaches run() through co_spawn's cancellation slot.
  co_return co_await asio::co_spawn(strand_, run(caller_deadline_ns, rng, path.empty() ? call_.path : path, ctx),
                                    asio::use_awaitable);
}

void Downstream::shutdown() {
  asio::dispatch(strand_, [this] { do_shutdown(); });
}

void Downstream::do_shutdown() {
  shut_down_ = true;
  for (CallState* st = active_; st; st = st->next) {
    st->stop = true;
    st->wake.cancel();
  }
  pool_.close();
}

void Downstream::launch(const std::shared_ptr<CallState>& st, std::string_view path,
                        std::optional<int64_t> caller_deadline_ns, bool hedge) {
  const int64_t now = clock_.now_ns();
  const uint32_t idx = st->launched++;
  auto& a = st->attempts[idx];
  a.span.begin(options_.recorder, st->call_span->context(), trace::SpanKind::kAttempt, trace_name_, now, clamp_u8(idx),
               hedge ? trace::kFlagHedge : 0);
  trace::format_traceparent(a.span.context(), a.traceparent);
  a.deadline_ns = policy::attempt_deadline(now, caller_deadline_ns, call_.timeout_ns);
  a.callers_deadline = caller_deadline_ns && a.deadline_ns == *caller_deadline_ns;
  ++st->in_flight;
  metrics_.attempts.Increment();
  if (options_.on_attempt) options_.on_attempt();
  ExchangeRequest req{path, name_, a.deadline_ns, options_.send_deadline && a.deadline_ns != kNever,
                      std::string_view(a.traceparent, trace::kTraceparentSize)};
  asio::co_spawn(strand_, exchange(pool_, clock_, req),
                 asio::bind_cancellation_slot(a.cancel.slot(), [st, idx](std::exception_ptr e, ExchangeResult r) {
                   // exchange() reports failures as values; an exception
                   // here is resource exhaustion: a broken attempt.
                   if (e) r = ExchangeResult{ExchangeResult::Kind::kBroken, 0, ENOMEM};
                   auto& at = st->attempts[idx];
                   at.result = r;
                   at.reported = true;
                   ++st->unprocessed;
                   st->wake.cancel();
                 }));
}

asio::awaitable<Outcome> Downstream::run(std::optional<int64_t> caller_deadline, policy::Rng& rng,
                                         std::string_view path, trace::TraceContext parent) {
  // Cancellation is handled by looking at the state, never by exceptions.
  co_await asio::this_coro::throw_if_cancelled(false);
  const int64_t start = clock_.now_ns();
  Outcome out;
  if (call_.probability_ppm < 1'000'000 && !rng.bernoulli_ppm(call_.probability_ppm)) {
    metrics_.skipped.Increment();
    out.ok = true;
    out.skipped = true;
    co_return out;
  }
  metrics_.calls.Increment();
  budget_.on_request();
  trace::Recorder::Span span;
  span.begin(options_.recorder, parent, trace::SpanKind::kCall, trace_name_, start);

  auto finish = [&](Outcome o) {
    const int64_t end = clock_.now_ns();
    span.set_attempts(clamp_u8(o.attempts));
    const auto cause = span_cause(o.cause);
    const unsigned status = o.status;
    if (!o.ok) {
      metrics_.errors[static_cast<int>(o.cause)]->Increment();
      if (call_.fallback) {
        o.ok = true;
        o.fallback_used = true;
        metrics_.fallbacks.Increment();
      }
    }
    span.end(end, cause, static_cast<uint16_t>(status), o.fallback_used ? trace::kFlagFallback : 0);
    metrics_.duration.Observe(static_cast<double>(end - start) * 1e-9);
    return o;
  };

  // Checked before the breaker: a call that cannot start must not take a
  // half-open probe it would never report on.
  if (shut_down_ || (caller_deadline && policy::expired(start, *caller_deadline))) {
    out.cause = shut_down_ ? Cause::kConnect : Cause::kDeadline;
    co_return finish(out);
  }
  if (!breaker_.try_acquire()) {
    out.cause = Cause::kBreakerOpen;
    co_return finish(out);
  }
  const uint64_t epoch = breaker_.epoch();

  const uint32_t max_attempts = call_.retries + 1;
  auto st = std::make_shared<CallState>(strand_, max_attempts);
  st->call_span = &span;
  st->next = active_;
  if (active_) active_->prev = st.get();
  active_ = st.get();
  policy::Backoff backoff(call_.backoff);
  uint32_t retries = 0;
  int64_t retry_at = kNever;
  int64_t hedge_at = kNever;
  Cause last = Cause::kOk;
  bool success = false;
  std::optional<Cause> final_cause;

  auto start_attempt = [&](bool hedge) {
    launch(st, path, caller_deadline, hedge);
    if (call_.hedge_ns > 0) hedge_at = clock_.now_ns() + call_.hedge_ns;
  };
  // A retry or hedge starting at start_at: nullopt when allowed (the budget
  // is then withdrawn), else why not.
  auto deny = [&](int64_t start_at) -> std::optional<DenyReason> {
    std::optional<DenyReason> r;
    if (caller_deadline && start_at >= *caller_deadline)
      r = DenyReason::kDeadline;
    else if (!throttle_.allows_retry())
      r = DenyReason::kThrottle;
    else if (!budget_.try_withdraw())
      r = DenyReason::kBudget;
    if (r) metrics_.denied[static_cast<int>(*r)]->Increment();
    return r;
  };

  start_attempt(false);
  for (;;) {
    // 1. Results of attempts.
    for (uint32_t i = 0; i < st->launched && st->unprocessed > 0 && !success && !final_cause; ++i) {
      auto& a = st->attempts[i];
      if (!a.reported || a.done) continue;
      a.done = true;
      --st->unprocessed;
      --st->in_flight;
      const ExchangeResult& r = a.result;
      Cause c;
      if (a.timed_out) {
        c = a.callers_deadline ? Cause::kDeadline : Cause::kTimeout;
      } else if (r.kind == ExchangeResult::Kind::kAnswered) {
        c = cause_of_status(r.status);
        out.status = r.status;
      } else if (r.kind == ExchangeResult::Kind::kCancelled) {
        c = Cause::kDeadline;  // only shutdown() cancels an attempt the loop did not
      } else {
        c = Cause::kConnect;
      }
      a.span.end(clock_.now_ns(), span_cause(c), static_cast<uint16_t>(r.kind == ExchangeResult::Kind::kAnswered ? r.status : 0));
      if (c == Cause::kOk) {
        throttle_.on_success();
        success = true;
        break;
      }
      // A 4xx is an answer: the downstream is up, the request was wrong.
      if (c == Cause::kHttp4xx)
        throttle_.on_success();
      else
        throttle_.on_failure();
      if (c == Cause::kTimeout || c == Cause::kDeadline) metrics_.timeouts.Increment();
      metrics_.attempt_failures[static_cast<int>(c)]->Increment();
      last = c;
      if (!retriable(c)) final_cause = c;
    }
    if (success || final_cause) break;
    if (st->stop) {
      final_cause = shut_down_ ? Cause::kConnect : Cause::kDeadline;
      break;
    }
    int64_t now = clock_.now_ns();

    // 2. Attempts past their deadline are cancelled; they report soon.
    uint32_t live = 0;
    for (uint32_t i = 0; i < st->launched; ++i) {
      auto& a = st->attempts[i];
      if (a.reported || a.timed_out) continue;
      if (now >= a.deadline_ns) {
        a.timed_out = true;
        a.cancel.emit(asio::cancellation_type::terminal);
      } else {
        ++live;
      }
    }
    const uint32_t launched = st->launched;

    // 3. A retry whose backoff is over.
    if (retry_at != kNever && now >= retry_at) {
      retry_at = kNever;
      metrics_.retries.Increment();
      start_attempt(false);
      continue;
    }
    // 4. A hedge: attempts out, none answered for hedge_ns.
    if (hedge_at != kNever && now >= hedge_at) {
      hedge_at = kNever;
      if (live > 0 && launched < max_attempts && !deny(now)) {
        metrics_.hedges.Increment();
        start_attempt(true);
        continue;
      }
    }
    // 5. Everything sent has failed: retry after a backoff, or give up.
    if (st->in_flight == 0 && retry_at == kNever) {
      if (launched >= max_attempts) {
        final_cause = last;
        break;
      }
      const int64_t sleep = backoff.next_ns(retries + 1, rng);
      if (auto d = deny(now + sleep)) {
        final_cause = deny_cause(*d);
        break;
      }
      ++retries;
      retry_at = now + sleep;
      if (sleep == 0) continue;
    }

    // 6. Sleep until the next thing to do, or until an attempt reports.
    if (st->unprocessed > 0) continue;
    int64_t next = retry_at;
    if (live > 0 && launched < max_attempts) next = std::min(next, hedge_at);
    for (uint32_t i = 0; i < st->launched; ++i) {
      const auto& a = st->attempts[i];
      if (!a.reported && !a.timed_out) next = std::min(next, a.deadline_ns);
    }
    if (next == kNever)
      st->wake.expires_at(asio::steady_timer::time_point::max());
    else
      st->wake.expires_after(std::chrono::nanoseconds(std::max<int64_t>(0, next - now)));
    co_await st->wake.async_wait(kNoThrow);
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) {
      st->stop = true;
      // The drain below must be able to wait.
      co_await asio::this_coro::reset_cancellation_state();
    }
  }

  // The call is decided: cancel what is still out and wait for it, since
  // attempts use the pool and this call's state.
  for (uint32_t i = 0; i < st->launched; ++i)
    if (!st->attempts[i].reported) st->attempts[i].cancel.emit(asio::cancellation_type::terminal);
  for (;;) {
    for (uint32_t i = 0; i < st->launched; ++i) {
      auto& a = st->attempts[i];
      if (a.reported && !a.done) {
        a.done = true;
        --st->unprocessed;
        --st->in_flight;
        // Cancelled once the call was decided (a hedge that lost, the
        // caller gone): not the callee's doing.
        a.span.end(clock_.now_ns(), trace::SpanCause::kCancelled);
      }
    }
    if (st->in_flight == 0) break;
    st->wake.expires_at(asio::steady_timer::time_point::max());
    co_await st->wake.async_wait(kNoThrow);
  }
  (st->prev ? st->prev->next : active_) = st->next;
  if (st->next) st->next->prev = st->prev;

  out.attempts = st->launched;
  if (success) {
    breaker_.on_success(epoch);
    out.ok = true;
    out.cause = Cause::kOk;
  } else {
    out.cause = final_cause.value_or(last);
    if (out.cause == Cause::kHttp4xx)
      breaker_.on_success(epoch);
    else
      breaker_.on_failure(epoch);
  }
  co_return finish(out);
}

}  // namespace faultline::workloads::client
