// `mdq plot RUN_DIR`: draws loss, accuracy and beta curves from RUN_DIR/metrics.csv into
// RUN_DIR/curves.png with gnuplot (Debian package gnuplot-nox).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "tools/mdq/commands.h"

namespace mdq::tools {

namespace {

std::vector<std::string> csv_columns(const std::string& path) {
    std::ifstream in(path);
    if (!in) MDQ_THROW(IoError, "no metrics in '", path, "' (is this a run folder of mdq train?)");
    std::string header;
    std::getline(in, header);
    std::vector<std::string> cols;
    std::stringstream ss(header);
    for (std::string c; std::getline(ss, c, ',');)
        cols.push_back(c);
    return cols;
}

int column(const std::vector<std::string>& cols, const std::string& name) {
    for (size_t i = 0; i < cols.size(); ++i)
        if (cols[i] == name) return static_cast<int>(i) + 1;  // gnuplot counts from 1
    return 0;
}

std::string plot_script(const std::string& csv, const std::string& png,
                        const std::vector<std::string>& cols) {
    const int step = column(cols, "step"), loss = column(cols, "loss"), acc = column(cols, "acc");
    const int val = column(cols, "val_acc"), val_hard = column(cols, "val_acc_hard");
    const int beta = column(cols, "beta");
    MDQ_CHECK(step > 0, "metrics file '", csv, "' has no 'step' column");
    std::ostringstream g;
    g << "set terminal pngcairo size 1500,450 noenhanced\nset output '" << png << "'\n"
      << "set datafile separator ','\nset datafile missing ''\nset key autotitle columnhead\n"
      << "set multiplot layout 1,3\nset xlabel 'step'\nset grid\n";
    const std::string train = "(strcol(1) eq 'train' ? $", val_row = "(strcol(1) eq 'val' ? $";
    auto series = [&](const std::string& filter, int col, const std::string& title) {
        return "'" + csv + "' using " + std::to_string(step) + ":" + filter + std::to_string(col) +
               " : NaN) with lines title '" + title + "'";
    };
    g << "set title 'loss'\nplot " << (loss ? series(train, loss, "train loss") : "NaN notitle")
      << "\n";
    g << "set title 'accuracy'\nset key bottom right\nset yrange [0:1]\nplot ";
    std::vector<std::string> acc_series;
    if (acc) acc_series.push_back(series(train, acc, "train"));
    if (val) acc_series.push_back(series(val_row, val, "val (soft)"));
    if (val_hard) acc_series.push_back(series(val_row, val_hard, "val (hard)"));
    if (acc_series.empty()) acc_series.push_back("NaN notitle");
    for (size_t i = 0; i < acc_series.size(); ++i)
        g << (i ? ", " : "") << acc_series[i];
    g << "\nset autoscale y\nset title 'beta'\nset logscale y\nplot "
      << (beta ? series(train, beta, "beta") : "NaN notitle") << "\nunset multiplot\n";
    return g.str();
}

void plot(const std::string& run_dir) {
    const std::string csv = run_dir + "/metrics.csv", png = run_dir + "/curves.png";
    const std::string script = plot_script(csv, png, csv_columns(csv));
    FILE* p = ::popen("gnuplot 2>&1", "w");
    if (!p) MDQ_THROW(IoError, "cannot start gnuplot");
    std::fwrite(script.data(), 1, script.size(), p);
    const int status = ::pclose(p);
    MDQ_CHECK(status == 0, "gnuplot failed (exit status ", status,
              "); install it with `apt-get install gnuplot-nox`");
    std::printf("wrote %s\n", png.c_str());
}

}  // namespace

void add_plot_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("plot", "Draw loss, accuracy and beta curves of a run as PNG");
    auto dir = std::make_shared<std::string>();
    cmd->add_option("run_dir", *dir, "Output folder of mdq train")->required();
    cmd->callback([dir] { plot(*dir); });
}

}  // namespace mdq::tools
