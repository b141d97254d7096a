package cli

// specFormat documents the sweep spec in `bench run --help`; the README holds
// the same example.
const specFormat = `A spec is a TOML file:

   name = "tsp-500-5s"           # names the output file (default: the spec's file name)
   time_limit = "5s"             # required: per run; a duration ("500ms", "2m")
   seeds = [1, 2, 3]             # solver seeds, one run each (default [1])
   threads = 1                   # per run; 0 = all cores (default 0)

   [[instances]]                 # a file: paths are relative to the spec,
   path = "$DATA/tsp/tsp500_test_concorde.txt"   # $DATA = the benchmark data
   indices = "0-31"              # for multi-instance files: "0-3,7,9-10" (default "0")

   [[instances]]                 # or a seeded generator
   generator = "uniform"         # tsp: uniform, clustered (n); jssp: taillard (name),
   n = 1000                      #   random (jobs, machines); robust: robust (name)
   gen_seeds = [1, 2]
   configs = ["cosolve"]         # optional: only these configurations run on it

   [[configs]]
   name = "cosolve"              # a column of the reports
   solver = "tsp"                # tsp, jssp, robust, or lkh (LKH-3, an external TSP solver)
   options = { preset = "cosolve", stop_at_reference = true }
   threads = 2                   # optional: overrides threads above

Options per solver (all optional):
   tsp:    preset, heatmap (gt-prior, softdist, alpha, a file or an ONNX model FILE.onnx), iterations, samples,
           kick, kick_type, local_search, neighbors, stop_at_reference
   jssp:   policy (a rule, learned, an ONNX file or $DATA/…), samples, method, dispatch_share, mcts_rollout,
           iterations, stop_at_reference, no_elite, no_diversify
   robust: problem (kp or cb; default: told from the file), model, backend, samples,
           max_scenarios, iterations, no_polish
   lkh:    binary (default $LKH), scale (unit-square coordinates into EUC_2D, default 1e6),
           runs, max_trials, params = { MOVE_TYPE = "5", … }; its tour is checked and
           measured by our checker on the original instance
Every line of the output is the envelope of one run (see --json of the solve commands),
with source, config, seed, time_limit_s, settings, max_rss_mb and the trace of
improvements [[t, objective], …].`
