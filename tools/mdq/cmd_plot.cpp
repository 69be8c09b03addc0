// `mdq plot RUN_DIR`: draws loss, accuracy and beta curves from RUN_DIR/metrics.csv into
// RUN_DIR/curves.png, and for a method=bsq run each layer's precision over training
// (RUN_DIR/bsq_precision.csv) into RUN_DIR/bsq_precision.png. `mdq plot --tradeoff OUT.png
// RUN_DIR...`: test accuracy of several runs against their size, from each summary.json:
// average bits for BSQ runs, the fraction of MACs removed for prune=taylor runs, the order given
// for `mdq ptq` runs (named by their folders). All with gnuplot (Debian package gnuplot-nox).
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
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

void run_gnuplot(const std::string& script, const std::string& png) {
    FILE* p = ::popen("gnuplot 2>&1", "w");
    if (!p) MDQ_THROW(IoError, "cannot start gnuplot");
    std::fwrite(script.data(), 1, script.size(), p);
    const int status = ::pclose(p);
    MDQ_CHECK(status == 0, "gnuplot failed (exit status ", status,
              "); install it with `apt-get install gnuplot-nox`");
    std::printf("wrote %s\n", png.c_str());
}

// Bits of every layer (columns 4...) against the epoch, as steps.
std::string precision_script(const std::string& csv, const std::string& png,
                             const std::vector<std::string>& cols) {
    MDQ_CHECK(cols.size() > 3 && cols[0] == "epoch", "'", csv,
              "' is not a precision log (epoch,step,average_bits,layers...)");
    std::ostringstream g;
    g << "set terminal pngcairo size 900,500 noenhanced\nset output '" << png << "'\n"
      << "set datafile separator ','\nset xlabel 'epoch'\nset ylabel 'bits'\nset grid\n"
      << "set title 'BSQ: weight precision per layer'\nset key outside right\nplot ";
    for (size_t c = 2; c < cols.size(); ++c)
        g << (c > 2 ? ", " : "") << "'" << csv << "' using 1:" << c + 1 << " with steps lw "
          << (c == 2 ? 3 : 2) << " dt " << (c == 2 ? 1 : c - 1)  // dashes: equal bits stay apart
          << " title '" << cols[c] << "'";
    g << "\n";
    return g.str();
}

void plot(const std::string& run_dir) {
    const std::string csv = run_dir + "/metrics.csv", png = run_dir + "/curves.png";
    run_gnuplot(plot_script(csv, png, csv_columns(csv)), png);
    const std::string bits = run_dir + "/bsq_precision.csv";
    if (std::ifstream(bits).good())
        run_gnuplot(precision_script(bits, run_dir + "/bsq_precision.png", csv_columns(bits)),
                    run_dir + "/bsq_precision.png");
}

// One point of the tradeoff plot: x, the accuracy the run reports, its label.
struct Point {
    double x, acc;
    std::string label;
};

Point tradeoff_point(const std::string& run_dir, std::string& xlabel) {
    std::ifstream in(run_dir + "/summary.json");
    MDQ_CHECK(in.good(), "--tradeoff: no summary.json in '", run_dir, "'");
    const nlohmann::json j = nlohmann::json::parse(in);
    std::string kind, label = run_dir.substr(run_dir.find_last_of('/') + 1);
    Point p{0, 0, label};
    if (j.contains("bsq")) {
        kind = "average weight bits (BSQ)";
        p.x = j["bsq"]["average_bits"].get<double>();
        p.acc = j["test_acc_hard"].get<double>();
    } else if (j.contains("prune") && j["prune"].contains("macs")) {
        kind = "MACs removed (%, Taylor pruning)";
        p.x = 100.0 *
              (1.0 - j["prune"]["macs"].get<double>() / j["prune"]["macs_full"].get<double>());
        p.acc = j["test_acc_soft"].get<double>();
    } else if (j.contains("test_acc")) {  // mdq ptq: one point per choice, named by its folder
        kind = "PTQ run (in the order given)";
        p.acc = j["test_acc"].get<double>();
    } else {
        MDQ_THROW(ValueError, "--tradeoff: '", run_dir,
                  "/summary.json' is of no BSQ, prune=taylor or ptq run");
    }
    MDQ_CHECK(xlabel.empty() || xlabel == kind, "--tradeoff: '", run_dir, "' is a ", kind,
              " run, the others ", xlabel, "; plot one kind at a time");
    xlabel = kind;
    return p;
}

void plot_tradeoff(const std::string& png, const std::vector<std::string>& runs) {
    std::string xlabel;
    std::ostringstream data;
    for (size_t i = 0; i < runs.size(); ++i) {
        Point p = tradeoff_point(runs[i], xlabel);
        if (xlabel.rfind("PTQ", 0) == 0) p.x = static_cast<double>(i);
        data << p.x << " " << 100 * p.acc << " \"" << p.label << "\"\n";
    }
    std::ostringstream g;
    g << "set terminal pngcairo size 900,500 noenhanced\nset output '" << png << "'\n"
      << "set xlabel '" << xlabel << "'\nset ylabel 'test accuracy (%)'\nset grid\n"
      << "set offsets graph 0.05, graph 0.15, graph 0.05, graph 0.05\n"
      << "$runs << EOD\n"
      << data.str() << "EOD\n"
      << "plot $runs using 1:2 with points pt 7 ps 1.5 notitle, "
      << "$runs using 1:2:3 with labels offset 0,1 font ',9' notitle\n";
    run_gnuplot(g.str(), png);
}

}  // namespace

void add_plot_command(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "plot", "Draw a run's curves (and BSQ precision) as PNG, or several runs' tradeoff");
    auto dirs = std::make_shared<std::vector<std::string>>();
    auto tradeoff = std::make_shared<std::string>();
    cmd->add_option("run_dir", *dirs, "Output folder(s) of mdq train / mdq ptq")->required();
    cmd->add_option("--tradeoff", *tradeoff,
                    "Write OUT.png: test accuracy against average bits (BSQ), MACs removed "
                    "(prune=taylor) or the choice (ptq) of every run given");
    cmd->callback([dirs, tradeoff] {
        if (!tradeoff->empty()) return plot_tradeoff(*tradeoff, *dirs);
        MDQ_CHECK(dirs->size() == 1,
                  "mdq plot draws one run's curves; give --tradeoff OUT.png "
                  "to compare several");
        plot(dirs->front());
    });
}

}  // namespace mdq::tools
