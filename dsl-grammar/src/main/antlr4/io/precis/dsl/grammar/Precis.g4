/*
 * The Precis quantization language. This file is only the syntax: the tree is built by
 * io.precis.dsl.AstBuilder, errors are worded by io.precis.dsl.SyntaxErrors, and a statement's help text lives on
 * its record in io.precis.dsl.ast.Statement, read by io.precis.dsl.Language (a test keeps it in step with the
 * keywords here). Small one-token rules such as
 * formatName or modelRef exist so that error messages and completion can say what is expected there.
 *
 * Statement termination: newlines are plain white space. Every statement starts with a statement
 * keyword (load, use, set, quantize, keep, prune, show, evaluate, sensitivity, sweep, search, plot, export,
 * fit, predict),
 * so a statement simply ends where the next token cannot continue it; a statement may span lines and
 * ';' may separate statements on one line. Keywords are case-insensitive.
 *
 * Keep it SLL-friendly: every decision is LL(1) except load/show/search (LL(2)); no left recursion.
 */
grammar Precis;

options { caseInsensitive = true; }

program
    : (statement | SEMI)* EOF
    ;

statement
    : statementBody (AS bindingName)?
    ;

statementBody
    : LOAD MODEL source engineClause? optionsClause?                     # loadModel
    | LOAD DATASET source optionsClause?                                 # loadDataset
    | USE modelRef (ON datasetRef)?                                      # use
    | SET settingName settingValue                                       # set
    | CALIBRATE ON datasetRef                                            # calibrate
    | QUANTIZE ACTIVATIONS OF patternList TO formatName activationClause* # quantizeActivations
    | QUANTIZE patternList TO formatName quantizeClause*                 # quantize
    | KEEP patternList selectionClause*                                  # keep
    | PRUNE patternList TO sparsity selectionClause*                     # prune
    | SHOW LAYERS (MATCHING patternList)? selectionClause*               # showLayers
    | SHOW PLAN                                                          # showPlan
    | EVALUATE subject?                                                  # evaluate
    | SENSITIVITY patternList? selectionClause* (OVER formatList measureOption*)? estimateClause? # sensitivity
    | SWEEP patternList selectionClause* OVER formatList measureOption*  # sweep
    | SEARCH BUDGET number BITS (OVER formatList)? measureOption*        # searchBudget
    | SEARCH TOLERANCE number (OVER formatList)? measureOption*          # searchTolerance
    | PLOT plotSubject                                                   # plot
    | EXPORT subject (AS flavour)? TO filePath                           # export
    | FIT PRECISION LAW ON lawTable lawFilter*                           # fitLaw
    | PREDICT variable FOR lawPoint (COMMA lawPoint)* (TRAINED word)? AT lawPrecision # predict
    ;

// the scaling-law lab's PTQ table: a CSV file, or a Java variable holding its rows
lawTable     : filePath | variable ;
lawFilter    : TRAINED word | QUANTIZED word | algorithm | ACROSS TRAINING PRECISIONS ;
// N 500k, D 2e8: non-embedding parameters, training tokens
lawPoint     : IDENT number ;
lawPrecision : number BITS | formatName ;

source
    : filePath
    | MAVEN mavenCoordinates
    ;

filePath         : STRING ;
mavenCoordinates : STRING ;

engineClause  : ENGINE engineName ;
engineName    : word ;
optionsClause : OPTIONS LPAREN option (COMMA option)* RPAREN ;
option        : optionKey EQ optionValue ;
optionKey     : word | KIND ;   // `kind` is a predicate keyword, and a data option (options (kind = "text"))
optionValue   : value ;

settingName  : word ;
settingValue : value ;
value        : number | STRING | word ;

quantizeClause
    : granularity
    | symmetry
    | rounding
    | clipping
    | algorithm
    | grid
    | selectionClause
    ;

granularity
    : PER TENSOR          # perTensor
    | PER CHANNEL         # perChannel
    | GROUP number        # group
    ;

activationClause
    : PER (TOKEN | TENSOR)   # activationGranularity
    | (STATIC | DYNAMIC)     # activationScale
    | symmetry               # activationSymmetry
    | clipping               # activationClipping
    | USING SMOOTHQUANT number? # activationSmooth
    | selectionClause        # activationSelection
    ;

// how sensitivity, sweep and search quantize every format they measure: `over int4, int8 group 128 using gptq`
// (after `over`, so that `sensitivity using` stays a pattern)
measureOption : granularity | symmetry | algorithm ;

// how sensitivity is found: by fisher | hessian (estimated) or a metric, and ", measured" to compare with it
estimateClause : BY word (COMMA word)? ;

// 50% (unstructured) or 2:4 (N:M semi-structured)
sparsity   : number (COLON number)? ;

symmetry   : SYMMETRIC | ASYMMETRIC ;
rounding   : STOCHASTIC (SEED number)? ;
clipping   : ABSMAX | MSE | PERCENTILE number ;
algorithm  : USING? (RTN | GPTQ | AWQ) ;
// the integer grid of symmetric formats: compressed-tensors (-8..7, absmax/7.5 at int4) or precis (±7, absmax/7)
grid       : GRID word ;

selectionClause
    : WHERE predicate     # where
    | EXCEPT patternList  # except
    ;

patternList : pattern (COMMA pattern)* ;

pattern
    : (GLOB | IDENT | HYPHENATED | nonReserved) # glob
    | STRING                                   # quotedGlob
    | REGEX                                    # regex
    ;

formatList : formatName (COMMA formatName)* ;
formatName : IDENT | HYPHENATED ;

predicate     : andPredicate (OR andPredicate)* ;
andPredicate  : notPredicate (AND notPredicate)* ;
notPredicate
    : NOT notPredicate               # not
    | LPAREN predicate RPAREN        # parenthesized
    | operand comparator operand     # comparison
    ;

operand
    : field      # fieldOperand
    | number     # numberOperand
    | STRING     # stringOperand
    | variable   # variableOperand
    ;

field      : SENSITIVITY | PARAMS | KIND | NAME | INDEX ;
comparator : LT | LE | GT | GE | EQ | NE ;

subject     : PLAN | variable ;
plotSubject : PLAN | SENSITIVITY | variable ;

modelRef    : identifier ;
datasetRef  : identifier ;
variable    : identifier ;
bindingName : identifier ;
flavour     : IDENT | HYPHENATED ;
number      : NUMBER ;

// A Java variable or a name bound with `as`.
identifier  : IDENT | nonReserved ;

// A bare word where the statement expects one (setting names and values, option keys, engine).
word        : IDENT | HYPHENATED | nonReserved ;

// Keywords that may also be names where no keyword could stand (e.g. `use model on dataset`).
nonReserved
    : MODEL | DATASET | MAVEN | ENGINE | OPTIONS | PER | TENSOR | CHANNEL | GROUP
    | SYMMETRIC | ASYMMETRIC | STOCHASTIC | SEED | ABSMAX | MSE | PERCENTILE | RTN | GPTQ | AWQ
    | LAYERS | MATCHING | BUDGET | BITS | TOLERANCE | USING
    | PRECISION | LAW | FOR | AT | TRAINED | QUANTIZED | ACROSS | TRAINING | PRECISIONS
    | OF | TOKEN | STATIC | DYNAMIC | SMOOTHQUANT | GRID
    ;

// ---------------------------------------------------------------- lexer

AS          : 'as' ;
LOAD        : 'load' ;
MODEL       : 'model' ;
DATASET     : 'dataset' ;
MAVEN       : 'maven' ;
ENGINE      : 'engine' ;
OPTIONS     : 'options' ;
USE         : 'use' ;
ON          : 'on' ;
SET         : 'set' ;
CALIBRATE   : 'calibrate' ;
USING       : 'using' ;
QUANTIZE    : 'quantize' ;
ACTIVATIONS : 'activations' ;
OF          : 'of' ;
TOKEN       : 'token' ;
STATIC      : 'static' ;
DYNAMIC     : 'dynamic' ;
SMOOTHQUANT : 'smoothquant' ;
TO          : 'to' ;
PER         : 'per' ;
TENSOR      : 'tensor' ;
CHANNEL     : 'channel' ;
GROUP       : 'group' ;
SYMMETRIC   : 'symmetric' ;
ASYMMETRIC  : 'asymmetric' ;
STOCHASTIC  : 'stochastic' ;
SEED        : 'seed' ;
ABSMAX      : 'absmax' ;
MSE         : 'mse' ;
PERCENTILE  : 'percentile' ;
RTN         : 'rtn' ;
GPTQ        : 'gptq' ;
AWQ         : 'awq' ;
GRID        : 'grid' ;
WHERE       : 'where' ;
EXCEPT      : 'except' ;
KEEP        : 'keep' ;
PRUNE       : 'prune' ;
SHOW        : 'show' ;
LAYERS      : 'layers' ;
MATCHING    : 'matching' ;
PLAN        : 'plan' ;
EVALUATE    : 'evaluate' ;
SENSITIVITY : 'sensitivity' ;
SWEEP       : 'sweep' ;
OVER        : 'over' ;
BY          : 'by' ;
SEARCH      : 'search' ;
BUDGET      : 'budget' ;
BITS        : 'bits' ;
TOLERANCE   : 'tolerance' ;
PLOT        : 'plot' ;
EXPORT      : 'export' ;
FIT         : 'fit' ;
PRECISION   : 'precision' ;
LAW         : 'law' ;
ACROSS      : 'across' ;
TRAINING    : 'training' ;
PRECISIONS  : 'precisions' ;
PREDICT     : 'predict' ;
FOR         : 'for' ;
AT          : 'at' ;
TRAINED     : 'trained' ;
QUANTIZED   : 'quantized' ;
AND         : 'and' ;
OR          : 'or' ;
NOT         : 'not' ;
PARAMS      : 'params' ;
KIND        : 'kind' ;
NAME        : 'name' ;
INDEX       : 'index' ;

SEMI   : ';' ;
COMMA  : ',' ;
COLON  : ':' ;
LPAREN : '(' ;
RPAREN : ')' ;
LE     : '<=' ;
GE     : '>=' ;
NE     : '!=' | '<>' ;
EQ     : '=' | '==' ;
LT     : '<' ;
GT     : '>' ;

REGEX  : 're"' STRING_CHAR* '"' ;
STRING : '"' STRING_CHAR* '"' ;
// A string cut off by the end of the line; the parser turns it into "unterminated string".
UNTERMINATED_STRING : 're'? '"' STRING_CHAR* ;

// 12, 0.5, 1e-3, 2k, 1M, 3b (billions), 5%
NUMBER : '-'? DIGIT+ ('.' DIGIT+)? ('e' [+-]? DIGIT+)? [kmbg%]? ;

IDENT      : LETTER (LETTER | DIGIT)* ;
HYPHENATED : LETTER (LETTER | DIGIT)* ('-' (LETTER | DIGIT)+)+ ;

// Digits running into letters, like 4bits or 2e: reported as an invalid number.
BAD_NUMBER : DIGIT+ ('.' DIGIT+)? LETTER (LETTER | DIGIT)* ;

// Layer patterns: `*` any run, `?` one character, `[...]` a class, dots between names.
// Only wins over IDENT/NUMBER when it is longer, i.e. when it holds a dot or a glob character.
GLOB : (LETTER | DIGIT | [.*?-] | '[' ~[\]\r\n]+ ']')+ ;

LINE_COMMENT  : ('//' | '#') ~[\r\n]* -> channel(HIDDEN) ;
// Block comments too, so a cell the kernel classifies after skipping Java comments parses the same way.
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
WS           : [ \t\r\n\f]+ -> channel(HIDDEN) ;

// Anything else becomes a token the parser reports, so the lexer itself never fails.
BAD_CHARACTER : . ;

fragment STRING_CHAR : ~["\\\r\n] | '\\' ~[\r\n] ;
fragment DIGIT       : [0-9] ;
fragment LETTER      : [\p{L}_$] ;
