-- blob_stage: ARGV now, uploadId, index, data. Stages one chunk of an upload for an hour (an upload
-- that is never committed or aborted cleans itself up); nothing visible changes until blob_commit.
local STAGE_MS = 3600000
local m, err = open(tonumber(ARGV[1]), -1)
if err then
  return err
end
redis.call('SET', chunkKey(ARGV[2], ARGV[3]), ARGV[4], 'PX', STAGE_MS)
return { 'OK' }
