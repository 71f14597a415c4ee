/** The Precis language's syntax: parsing (ANTLR) into the AST, syntax errors, completeness, completion contexts, cell classification and the help tables (statements, topics, settings, metrics). Depends on no other Precis module. */
package io.precis.dsl;
