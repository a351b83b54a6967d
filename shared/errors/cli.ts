/** Error codes of the command line and its file handling. Append only; never rename a code once used. */
export const CLI_ERROR_CODES = ['ERR_CLI_FILE_READ', 'ERR_CLI_FILE_WRITE', 'ERR_CLI_USAGE'] as const;
