// PLACEHOLDER — replaced by the CLI work.
return 0;
