" cnet model descriptions (cnetc)
autocmd BufRead,BufNewFile *.cnet setfiletype cnet
