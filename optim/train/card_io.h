// The quantization card's files and views (docs/CARD.md): card.json and its Markdown rendering
// card.md beside a run's summary.json, reading a card back (schema and version checked), and
// the field-by-field comparison behind `mdq card A B`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mdq {

// Writes DIR/card.json and DIR/card.md atomically.
void write_card(const std::string& dir, const nlohmann::json& card);
// Reads a card.json; throws unless it is a card of a version this build knows.
nlohmann::json read_card(const std::string& path);
std::string card_markdown(const nlohmann::json& card);

struct CardDifference {
    std::string field;  // e.g. "layers[conv1].weight.bits", "model.bops"
    std::string a, b;   // the values as JSON text; "(absent)" when one side lacks the field
};
// Every leaf field whose values differ, in the order of `a` then the fields only `b` has.
// Layers and parameters are matched by name; run.created (the time) is not compared.
std::vector<CardDifference> compare_cards(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace mdq
