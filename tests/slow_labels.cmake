# Run by ctest after the discovered tests are defined (tests/CMakeLists.txt): labels the
# TrainerSlow-style suites "cpu" and "slow", so `ctest -L slow` runs them and `-LE slow` skips.
if(mdq_slow_tests)
  set_tests_properties(${mdq_slow_tests} PROPERTIES LABELS "cpu;slow")
endif()
