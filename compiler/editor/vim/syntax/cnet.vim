" Vim syntax file
" Language:    cnet (neural networks with input-output constraints, for cnetc)
" Filenames:   *.cnet
" Installed:   share/vim/vimfiles/syntax/cnet.vim, with ftdetect/cnet.vim

if exists("b:current_syntax")
  finish
endif

" the reserved words of the language
syn keyword cnetKeyword model input target output layer loss constraint const data train
syn keyword cnetKeyword domain over
" words that open a statement of the data and train blocks
syn keyword cnetStatement csv samples optimizer epochs batch shuffle seed log every resample validation schedule
" functions, layers, losses, distributions and optimizers
syn keyword cnetBuiltin dense relu tanh sigmoid softplus exp log sqrt abs sin cos
syn keyword cnetBuiltin leaky_relu elu softmax sum mean dot concat
syn keyword cnetBuiltin mse mae huber bce_logits cross_entropy l2
syn keyword cnetBuiltin uniform normal adam adamw sgd step exponential cosine
" derivatives with respect to the inputs
syn keyword cnetBuiltin d laplacian div
" constraint methods and their kinds
syn keyword cnetMethod penalty lagrangian augmented hard linear quadratic clamp
" named arguments and init schemes
syn keyword cnetArg bias init weight lr tol rho growth rho_max beta1 beta2 eps momentum
syn keyword cnetArg weight_decay delta xavier he zeros per_point
syn keyword cnetBoolean true false

syn match cnetNumber "\<\d\+\.\=\d*\([eE][+-]\=\d\+\)\=\>"
syn match cnetNumber "\.\d\+\([eE][+-]\=\d\+\)\=\>"
syn region cnetString start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=cnetEscape
syn match cnetEscape +\\[\\"]+ contained
syn match cnetOperator "==\|<=\|>=\|[<>^*/+-]"
" a constraint's label, before its relation
syn match cnetLabel "\(\<constraint\s\+\)\@<=\h\w*\ze\s*:"

syn keyword cnetTodo TODO FIXME XXX NOTE contained
syn match cnetComment "//.*$" contains=cnetTodo,@Spell
syn match cnetComment "#.*$" contains=cnetTodo,@Spell
syn region cnetComment start="/\*" end="\*/" contains=cnetTodo,@Spell

hi def link cnetKeyword Keyword
hi def link cnetStatement Statement
hi def link cnetBuiltin Function
hi def link cnetMethod Type
hi def link cnetArg Identifier
hi def link cnetBoolean Boolean
hi def link cnetNumber Number
hi def link cnetString String
hi def link cnetEscape SpecialChar
hi def link cnetOperator Operator
hi def link cnetLabel Label
hi def link cnetTodo Todo
hi def link cnetComment Comment

let b:current_syntax = "cnet"
