"""One store per DynamoDB table: every attribute it reads or writes declared, batching and retries inside."""
