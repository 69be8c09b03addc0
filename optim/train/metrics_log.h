// Training metrics written as they happen: one JSON object per line in metrics.jsonl and the
// same rows in metrics.csv with fixed columns ("kind" first; a field a row lacks stays empty).
// Appending keeps earlier rows when a run resumes. Each row reaches each file in one write,
// whole or not at all: a full disk is an IoError naming the file, which keeps its whole rows.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace mdq {

class MetricsLog {
  public:
    // Opens (appending) OUT_DIR/metrics.jsonl and OUT_DIR/metrics.csv with these columns.
    MetricsLog(const std::string& out_dir, std::vector<std::string> columns);
    ~MetricsLog();
    MetricsLog(const MetricsLog&) = delete;
    MetricsLog& operator=(const MetricsLog&) = delete;
    // A row: "kind" (e.g. "train", "val") plus numeric fields.
    void write(const std::string& kind, const std::map<std::string, double>& fields);

  private:
    std::string jsonl_path_, csv_path_;
    int jsonl_ = -1, csv_ = -1;  // file descriptors opened for appending
    std::vector<std::string> columns_;
};

// A one-line progress bar redrawn in place on a terminal, or printed every `every` calls
// when the output is a file or pipe.
class ProgressBar {
  public:
    explicit ProgressBar(int64_t total_steps, bool enabled = true);
    void update(int64_t step, int64_t epoch, double images_per_s, double loss, double acc,
                double beta);
    void finish();

  private:
    int64_t total_;
    bool enabled_, tty_;
    double start_;
    int64_t last_printed_ = -1;
};

}  // namespace mdq
