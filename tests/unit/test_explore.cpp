// SPDX-License-Identifier: Apache-2.0
// `faultline explore`'s search with injected verdicts (explore_search.hpp):
// bisection converges on a known boundary, the bracket is repeated, a flip
// there moves it, two axes give a line each, the budget is never exceeded,
// and a journal cut short resumes into the same search.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "orchestrator/experiment/explore_journal.hpp"
#include "orchestrator/experiment/explore_results.hpp"
#include "orchestrator/experiment/explore_search.hpp"

using namespace faultline::experiment::explore;

namespace {

using Oracle = std::function<bool(const Point&, int nth)>;  // nth: runs at that point before this one

std::vector<Observation> search(const Spec& s, const Oracle& good, std::vector<Observation> obs = {}) {
  while (auto p = next_point(s, obs)) {
    int nth = 0;
    for (const auto& o : obs) nth += o.at == *p ? 1 : 0;
    obs.push_back({*p, good(*p, nth)});
    if (obs.size() > 1000) ADD_FAILURE() << "the search does not end";
    if (obs.size() > 1000) break;
  }
  return obs;
}

int runs_at(const std::vector<Observation>& obs, double x, double y = 0) {
  int n = 0;
  for (const auto& o : obs) n += o.at == Point{x, y} ? 1 : 0;
  return n;
}

Spec queue_spec() {
  Spec s;
  s.x = {"node.svc.service.8080.queue", 35, 150, true, ""};
  s.budget = 12;
  return s;
}

}  // namespace

TEST(ExploreSearch, BisectionConvergesOnAKnownBoundary) {
  // A queue of up to 50 recovers, 51 and more do not.
  Spec s = queue_spec();
  const auto obs = search(s, [](const Point& p, int) { return p.x <= 50; });
  EXPECT_EQ(obs[0].at.x, 35);
  EXPECT_EQ(obs[1].at.x, 150);
  EXPECT_LE(obs.size(), 9u) << "35..150 is bisected to a step of 1 in 7 more runs";
  const auto b = estimate_boundary(s, 0, obs);
  ASSERT_EQ(b.kind, Boundary::Kind::kFound);
  EXPECT_TRUE(b.good_below);
  EXPECT_EQ(b.last_good, 50);
  EXPECT_EQ(b.first_bad, 51);
  EXPECT_NEAR(b.estimate, 50.5, 0.2);
  EXPECT_LE(b.ci_lo, 50.0);
  EXPECT_GE(b.ci_hi, 51.0);
  // Single runs on either side: the interval is about the bracket (wider on
  // the side with fewer runs near it: 49 and 50 below, 51, 52, 56 above).
  EXPECT_GT(b.ci_lo, 45.0);
  EXPECT_LT(b.ci_hi, 53.0);
  const auto line = verdict_line(s, 0, b, Predicted{50, "metastable above a queue of", "lint"});
  EXPECT_NE(line.find("recovers from this trigger up to 50.5 (46.4-51.7, 95%) of node.svc.service.8080.queue; last "
                      "recovered at 50, first did not at 51"), std::string::npos) << line;
  EXPECT_NE(line.find("the lint predicts metastable above a queue of 50"), std::string::npos) << line;

  // A real axis (a load rate): to 1/64 of the range, the unit in the line.
  Spec r;
  r.x = {"node.client.load.rate", 10, 500, false, ""};
  r.budget = 20;
  const auto ro = search(r, [](const Point& p, int) { return p.x < 230; });
  const auto rb = estimate_boundary(r, 0, ro);
  ASSERT_EQ(rb.kind, Boundary::Kind::kFound);
  EXPECT_LE(rb.first_bad - rb.last_good, resolution(r.x));
  EXPECT_LT(rb.last_good, 230);
  EXPECT_GE(rb.first_bad, 230);
  EXPECT_LE(rb.ci_lo, 230);
  EXPECT_GE(rb.ci_hi, 230);
  EXPECT_NE(verdict_line(r, 0, rb, std::nullopt).find(" req/s ("), std::string::npos);
}

TEST(ExploreSearch, RecoveringAboveTheBoundary) {
  // A CPU fault leaving more cores recovers: the good side is above.
  Spec s;
  s.x = {"fault.0.cpu", 0.05, 1.0, false, ""};
  const auto obs = search(s, [](const Point& p, int) { return p.x >= 0.3; });
  const auto b = estimate_boundary(s, 0, obs);
  ASSERT_EQ(b.kind, Boundary::Kind::kFound);
  EXPECT_FALSE(b.good_below);
  EXPECT_GE(b.last_good, 0.3);
  EXPECT_LT(b.first_bad, 0.3);
  EXPECT_NEAR(b.estimate, 0.3, resolution(s.x));
  EXPECT_NE(verdict_line(s, 0, b, std::nullopt).find("recovers from this trigger from 0.2"), std::string::npos)
      << verdict_line(s, 0, b, std::nullopt);
}

TEST(ExploreSearch, TheBracketIsRepeatedAndAFlipThereMovesIt) {
  Spec s = queue_spec();
  s.repeat = 3;
  s.budget = 40;
  const auto obs = search(s, [](const Point& p, int) { return p.x <= 50; });
  EXPECT_EQ(runs_at(obs, 50), 3);
  EXPECT_EQ(runs_at(obs, 51), 3);
  EXPECT_EQ(runs_at(obs, 35), 1) << "away from the boundary a point runs once";
  EXPECT_EQ(runs_at(obs, 93), 1);
  const auto clean = estimate_boundary(s, 0, obs);

  // 50 recovers once, then not: the majority says it does not, and the
  // search moves below it; 49 recovers every time.
  const auto noisy = search(s, [](const Point& p, int nth) { return p.x < 50 || (p.x == 50 && nth == 0); });
  const auto b = estimate_boundary(s, 0, noisy);
  EXPECT_EQ(b.last_good, 49);
  EXPECT_EQ(b.first_bad, 50);
  EXPECT_EQ(runs_at(noisy, 49), 3);
  EXPECT_EQ(runs_at(noisy, 50), 3);

  // A point whose runs disagree (2 of 3 recover at 51) widens the interval.
  std::vector<Observation> mixed = obs;
  for (auto& o : mixed)
    if (o.at.x == 51) o.good = false;
  int flipped = 0;
  for (auto& o : mixed)
    if (o.at.x == 51 && flipped < 1) o.good = true, ++flipped;
  const auto m = estimate_boundary(s, 0, mixed);
  EXPECT_GT(m.ci_hi - m.ci_lo, clean.ci_hi - clean.ci_lo);
}

TEST(ExploreSearch, TwoAxesBisectEachLine) {
  // The boundary moves with y: x* = 20 + 10 y, for y in 0..4.
  Spec s;
  s.x = {"node.client.load.rate", 0, 100, true, ""};
  s.y = Axis{"node.svc.service.8080.workers", 0, 4, true, ""};
  s.lines = 5;
  s.budget = 60;
  const auto obs = search(s, [](const Point& p, int) { return p.x <= 20 + 10 * p.y; });
  EXPECT_EQ(line_values(s), (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_LE(obs.size(), 60u);
  for (double y : line_values(s)) {
    const auto b = estimate_boundary(s, y, obs);
    ASSERT_EQ(b.kind, Boundary::Kind::kFound) << y;
    EXPECT_EQ(b.last_good, 20 + 10 * y) << y;
    EXPECT_EQ(b.first_bad, 21 + 10 * y) << y;
  }
  const auto doc = explore_document(s, {}, {}, {}, true);
  EXPECT_EQ(doc["lines"].size(), 5u);
}

TEST(ExploreSearch, TheBudgetIsNeverExceeded) {
  for (int budget : {1, 2, 3, 5, 8}) {
    Spec s = queue_spec();
    s.budget = budget;
    s.repeat = 3;
    const auto obs = search(s, [](const Point& p, int) { return p.x <= 50; });
    EXPECT_EQ(static_cast<int>(obs.size()), budget) << "the search wants more than " << budget;
  }
  // Two axes: each line gets its share, the last ones what the first left.
  Spec s = queue_spec();
  s.y = Axis{"node.client.load.rate", 10, 50, true, ""};
  s.lines = 3;
  s.budget = 10;
  const auto obs = search(s, [](const Point& p, int) { return p.x <= 50; });
  EXPECT_EQ(obs.size(), 10u);
  for (double y : line_values(s)) {
    int n = 0;
    for (const auto& o : obs) n += o.at.y == y ? 1 : 0;
    EXPECT_GE(n, 3) << "line " << y << " starved";
  }
  // A budget smaller than the lines starts the first line; a line whose ends
  // are not both run is open, not a verdict.
  Spec small = s;
  small.budget = 1;
  const auto one = search(small, [](const Point&, int) { return false; });
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].at, (Point{35, 10}));
  const auto open = estimate_boundary(small, 10, one);
  EXPECT_EQ(open.kind, Boundary::Kind::kOpen);
  EXPECT_NE(verdict_line(small, 10, open, std::nullopt).find("not bracketed yet: 1 run, not both ends"),
            std::string::npos);
  EXPECT_EQ(estimate_boundary(small, 50, one).kind, Boundary::Kind::kNoRuns);

  // A range where everything recovers: its ends, confirmed, and no more.
  Spec all = queue_spec();
  all.repeat = 2;
  const auto a = search(all, [](const Point&, int) { return true; });
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(estimate_boundary(all, 0, a).kind, Boundary::Kind::kAllGood);
  EXPECT_NE(verdict_line(all, 0, estimate_boundary(all, 0, a), std::nullopt).find("everywhere from 35 to 150"),
            std::string::npos);
}

TEST(ExploreSearch, AJournalCutShortResumesTheSameSearch) {
  const auto dir = std::filesystem::temp_directory_path() / ("fl-explore-journal-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / kJournalName).string();
  Spec s = queue_spec();
  s.repeat = 2;
  s.budget = 20;
  const Oracle good = [](const Point& p, int nth) { return p.x <= 70 && !(p.x == 70 && nth == 1); };
  const auto whole = search(s, good);

  const nlohmann::json args = {{"x", axis_json(s.x)}, {"repeat", 2}};
  ASSERT_TRUE(start_journal(path, args).ok());
  EXPECT_FALSE(start_journal(path, args).ok()) << "a journal is never replaced";
  for (size_t i = 0; i < 5; ++i)
    ASSERT_TRUE(append_run(path, {{"index", i}, {"x", whole[i].at.x}, {"y", 0}, {"good", whole[i].good}}).ok());
  // Killed while writing the sixth: a torn line.
  std::ofstream(path, std::ios::app) << "{\"index\": 5, \"x\": ";
  auto j = read_journal(path);
  ASSERT_TRUE(j.ok()) << j.error().message();
  ASSERT_TRUE(j->has_value());
  EXPECT_EQ((*j)->args, args);
  ASSERT_EQ((*j)->runs.size(), 5u);
  const auto resumed = search(s, good, observations((*j)->runs));
  ASSERT_EQ(resumed.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) EXPECT_EQ(resumed[i].at, whole[i].at) << i;

  // Other arguments are named; a journal that is not one is refused.
  nlohmann::json other = args;
  other["repeat"] = 3;
  EXPECT_EQ(first_difference(args, other), "repeat: was 2, now 3");
  EXPECT_EQ(first_difference(args, args), "");
  std::ofstream(path, std::ios::trunc) << "not json\n{}\n";
  EXPECT_FALSE(read_journal(path).ok());
  EXPECT_FALSE(read_journal((dir / "none").string()).value().has_value());
  std::filesystem::remove_all(dir);
}

TEST(ExploreSearch, CsvAndDocument) {
  Spec s = queue_spec();
  std::vector<nlohmann::json> runs = {
      {{"index", 0}, {"x", 35}, {"y", 0}, {"repeat", 0}, {"seed", 1}, {"good", true}, {"headline", "a, b"}, {"dir", "runs/000"}},
      {{"index", 1}, {"x", 150}, {"y", 0}, {"repeat", 0}, {"seed", 1}, {"good", false}, {"headline", "c"}, {"dir", "runs/001"}}};
  const auto csv = explore_csv(s, runs);
  EXPECT_NE(csv.find("index,node.svc.service.8080.queue,repeat"), std::string::npos) << csv;
  EXPECT_NE(csv.find("0,35,0,1,true,,,,\"a, b\",runs/000\n"), std::string::npos) << csv;
  const auto doc = explore_document(s, {}, runs, {}, false);
  EXPECT_EQ(doc["lines"][0]["kind"], "found");
  EXPECT_EQ(doc["lines"][0]["last_good"], 35);
  EXPECT_EQ(doc["lines"][0]["first_bad"], 150);
  EXPECT_EQ(doc["complete"], false);
}

TEST(ExploreSearch, VerdictLineOfALoadRateWithTheLintsFigure) {
  // A load's rate from 50 to 400 req/s that recovers up to 230: bisected to
  // 1/64 of the range, the bracket repeated 3 times, and one of the three
  // runs just above the bracket recovering (noise), which widens the interval
  // on that side.
  Spec s;
  s.x = {"node.client.load.rate", 50, 400, false, ""};
  s.repeat = 3;
  s.budget = 30;
  double above = 0;
  const auto obs = search(s, [&](const Point& p, int nth) {
    if (p.x >= 230 && above == 0 && nth == 2) above = p.x;
    return p.x < 230 || (p.x == above && nth == 2);
  });
  const auto b = estimate_boundary(s, 0, obs);
  ASSERT_EQ(b.kind, Boundary::Kind::kFound);
  EXPECT_TRUE(b.good_below);
  EXPECT_LT(b.last_good, 230);
  EXPECT_GE(b.first_bad, 230);
  EXPECT_LE(b.first_bad - b.last_good, resolution(s.x));
  EXPECT_LE(b.ci_lo, b.estimate);
  EXPECT_GE(b.ci_hi, b.estimate);
  EXPECT_GT(b.ci_hi - b.ci_lo, b.first_bad - b.last_good) << "the run that disagrees widens it past the bracket";
  // The line as it is printed: the unit after the estimate, the interval
  // and bracket as whole numbers from 100 on, the lint's figure with its unit.
  char want[256];
  std::snprintf(want, sizeof want,
                "recovers from this trigger up to %.0f req/s (%.0f-%.0f, 95%%) of node.client.load.rate; last recovered "
                "at %.0f, first did not at %.0f; the lint predicts vulnerable above 33.3 req/s",
                b.estimate, b.ci_lo, b.ci_hi, b.last_good, b.first_bad);
  const auto line = verdict_line(s, 0, b, Predicted{100.0 / 3, "vulnerable above", "lint"});
  EXPECT_EQ(line, want);
  EXPECT_EQ(line.rfind("recovers from this trigger up to 23", 0), 0u) << line;

  // With a second key the line names its value, and each line carries the
  // figure the lint gives for it: the top-level one only when they agree.
  Spec two = s;
  two.y = Axis{"node.client.load.retries", 1, 5, true, ""};
  two.lines = 2;
  // 1 retry recovers up to 230 req/s, 5 up to 77.
  std::vector<nlohmann::json> runs;
  for (const auto& o : search(two, [](const Point& p, int) { return p.x < (p.y == 1 ? 230 : 77); }))
    runs.push_back({{"x", o.at.x}, {"y", o.at.y}, {"good", o.good}});
  const LinePredictions differ = {Predicted{100, "vulnerable above", "lint"}, Predicted{100.0 / 3, "vulnerable above", "lint"}};
  const auto doc = explore_document(two, {}, runs, differ, true);
  ASSERT_EQ(doc["lines"].size(), 2u);
  EXPECT_TRUE(doc["predicted"].is_null()) << "the lines' figures differ";
  EXPECT_EQ(doc["lines"][0]["predicted"]["value"], 100);
  EXPECT_NEAR(doc["lines"][1]["predicted"]["value"].get<double>(), 33.33, 0.01);
  const std::string v1 = doc["lines"][1]["verdict"];
  EXPECT_EQ(v1.rfind("at node.client.load.retries=5: recovers from this trigger up to 7", 0), 0u) << v1;
  EXPECT_NE(v1.find("; the lint predicts vulnerable above 33.3 req/s"), std::string::npos) << v1;
  EXPECT_NE(doc["lines"][0]["verdict"].get<std::string>().find("; the lint predicts vulnerable above 100 req/s"),
            std::string::npos);
  const auto same = explore_document(two, {}, runs, {Predicted{100, "vulnerable above", "lint"}}, true);
  EXPECT_EQ(same["predicted"]["value"], 100) << "one figure for every line";
  EXPECT_EQ(same["lines"][1]["predicted"]["value"], 100);
}
