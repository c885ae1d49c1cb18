#pragma once
// LongEval test cases (LongChat's "lines" and "topics" retrieval) generated at any length, in
// the same fields as the published test case files, so one task file reads either.
#include <cstdint>
#include <string>
#include <vector>

#include "tasks/document.h"

namespace qs {

// `cases` test cases of `numLines` lines each. Names are unique adjective-noun pairs, values
// 1..50000; the asked-for line is spread evenly over the record across the cases.
std::vector<Document> generateLongEvalLines(int numLines, int cases, uint64_t seed);

struct Conversation {
  std::string topic;
  std::string text;  // "USER: I would like to discuss the topic of ... \n ASSISTANT: ..."
};

// `cases` test cases of `numTopics` conversations drawn (seeded) from `pool`; the first topic is
// the answer. Throws qs::Error when the pool has fewer conversations than numTopics.
std::vector<Document> generateLongEvalTopics(const std::vector<Conversation>& pool, int numTopics, int cases,
                                             uint64_t seed);

}  // namespace qs
