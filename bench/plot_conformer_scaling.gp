# Time per molecule against heavy atoms, ETKDGv3 and noether (issue 15), from the CSV that
# `bench_conformers --scaling FILE` writes:
#   gnuplot -e "csv='scaling.csv'; out='docs/figures/conformer_scaling.svg'" bench/plot_conformer_scaling.gp
set terminal svg size 720,440 font "sans,12"
set output out
set datafile separator ","
set key top left
set logscale y
set grid ytics mytics xtics
set xlabel "heavy atoms (bin centre)"
set ylabel "milliseconds per molecule, one thread"
set title "SMILES to one 3-D conformer with hydrogens: ETKDGv3 against noether"
plot csv skip 1 using (($1 + $2) / 2):4 with linespoints lw 2 pt 7 title "RDKit ETKDGv3", \
     csv skip 1 using (($1 + $2) / 2):5 with linespoints lw 2 pt 5 title "noether (Conformer::conform\\_all)", \
     csv skip 1 using (($1 + $2) / 2):5:(sprintf("%.0fx", $6)) with labels offset 0,-1 notitle
