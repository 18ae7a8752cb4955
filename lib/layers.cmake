# The layer graph of lib/, written once (DESIGN.md "Dependency direction").
# Each folder is a static library weshopd_<folder> that links exactly the folders
# listed for it (lib/CMakeLists.txt), and lib/check_layers.cmake fails when a
# folder's source includes "<other>/..." for a folder not listed here.
# WESHOPD_LAYERS is in build order: a folder names only folders before it, which
# keeps the graph acyclic (the check enforces that too).
set(WESHOPD_LAYERS common metrics http weshop budget job files ui upstream store notify mirror engine config api cli)

set(WESHOPD_LAYER_common   "")
set(WESHOPD_LAYER_metrics  "")
set(WESHOPD_LAYER_http     common)
set(WESHOPD_LAYER_weshop   common)                                 # pure
set(WESHOPD_LAYER_budget   common)                                 # pure: prices, admission arithmetic
set(WESHOPD_LAYER_job      common weshop budget)                   # pure: the job, its edges, its JSON
set(WESHOPD_LAYER_files    common)
set(WESHOPD_LAYER_ui       common http)
set(WESHOPD_LAYER_upstream common http metrics weshop)
set(WESHOPD_LAYER_store    common budget job metrics)
set(WESHOPD_LAYER_notify   common budget http job metrics store)   # webhooks, budget alerts
set(WESHOPD_LAYER_mirror   common files http metrics store)
set(WESHOPD_LAYER_engine   common budget files job metrics store upstream weshop)
set(WESHOPD_LAYER_config   common budget http notify)
set(WESHOPD_LAYER_api      common budget engine files http job metrics mirror store ui weshop) # mirror: a batch's ZIP
set(WESHOPD_LAYER_cli      common http)                            # weshopctl: the local API's client
