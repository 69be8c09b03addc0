#include "optim/train/metrics_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "data/safetensors.h"

namespace mdq {

namespace {
double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string format_duration(double s) {
    if (!std::isfinite(s) || s < 0) return "--:--";
    const int64_t t = static_cast<int64_t>(s + 0.5);
    char buf[32];
    if (t >= 3600)
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(t / 3600),
                      static_cast<long long>(t / 60 % 60), static_cast<long long>(t % 60));
    else
        std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(t / 60),
                      static_cast<long long>(t % 60));
    return buf;
}

}  // namespace

namespace {
int open_append(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) MDQ_THROW(IoError, "cannot open '", path, "' for writing: ", std::strerror(errno));
    return fd;
}
}  // namespace

MetricsLog::MetricsLog(const std::string& out_dir, std::vector<std::string> columns)
    : jsonl_path_(out_dir + "/metrics.jsonl"),
      csv_path_(out_dir + "/metrics.csv"),
      columns_(std::move(columns)) {
    columns_.insert(columns_.begin(), "kind");
    jsonl_ = open_append(jsonl_path_);
    try {
        csv_ = open_append(csv_path_);
        if (::lseek(csv_, 0, SEEK_END) == 0) {
            std::string header;
            for (size_t i = 0; i < columns_.size(); ++i)
                header += (i ? "," : "") + columns_[i];
            append_whole(csv_, header + "\n", csv_path_);
        }
    } catch (...) {
        ::close(jsonl_);
        if (csv_ >= 0) ::close(csv_);
        throw;
    }
}

MetricsLog::~MetricsLog() {
    ::close(jsonl_);
    ::close(csv_);
}

void MetricsLog::write(const std::string& kind, const std::map<std::string, double>& fields) {
    nlohmann::json j;
    j["kind"] = kind;
    for (const auto& [k, v] : fields) {
        MDQ_CHECK(std::find(columns_.begin(), columns_.end(), k) != columns_.end(),
                  "MetricsLog: field '", k, "' is not one of the columns");
        j[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    }
    std::ostringstream csv;
    for (size_t i = 0; i < columns_.size(); ++i) {
        if (i) csv << ",";
        if (columns_[i] == "kind") {
            csv << kind;
            continue;
        }
        auto it = fields.find(columns_[i]);
        if (it != fields.end() && std::isfinite(it->second)) csv << it->second;
    }
    csv << "\n";
    const off_t jsonl_end = ::lseek(jsonl_, 0, SEEK_END);
    append_whole(jsonl_, j.dump() + "\n", jsonl_path_);
    try {
        append_whole(csv_, csv.str(), csv_path_);
    } catch (...) {
        // Keeps the files row for row: the JSON line of a row the CSV lacks goes too.
        if (jsonl_end >= 0 && ::ftruncate(jsonl_, jsonl_end) != 0) {
        }
        throw;
    }
}

ProgressBar::ProgressBar(int64_t total_steps, bool enabled)
    : total_(total_steps), enabled_(enabled), tty_(::isatty(STDOUT_FILENO) != 0), start_(now_s()) {}

void ProgressBar::update(int64_t step, int64_t epoch, double images_per_s, double loss, double acc,
                         double beta) {
    if (!enabled_) return;
    const double frac = total_ > 0 ? static_cast<double>(step) / static_cast<double>(total_) : 0.0;
    const double elapsed = now_s() - start_;
    const double eta = frac > 0 ? elapsed * (1 - frac) / frac : NAN;
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<size_t>(std::min(filled, kWidth)), '#');
    bar.resize(kWidth, '.');
    std::printf(
        "%sepoch %lld [%s] step %lld/%lld  ETA %s  %.0f img/s  loss %.4f  acc %.2f%%  beta %.3g%s",
        tty_ ? "\r" : "", static_cast<long long>(epoch), bar.c_str(), static_cast<long long>(step),
        static_cast<long long>(total_), format_duration(eta).c_str(), images_per_s, loss,
        100.0 * acc, beta, tty_ ? "\033[K" : "\n");
    std::fflush(stdout);
    last_printed_ = step;
}

void ProgressBar::finish() {
    if (enabled_ && tty_ && last_printed_ >= 0) std::printf("\n");
}

}  // namespace mdq
