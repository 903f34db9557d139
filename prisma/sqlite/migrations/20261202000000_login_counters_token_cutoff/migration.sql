-- AlterTable
ALTER TABLE "User" ADD COLUMN "tokensValidAfter" DATETIME;

-- CreateTable
CREATE TABLE "LoginFailureCounter" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "count" INTEGER NOT NULL,
    "resetAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "LoginFailureCounter_resetAt_idx" ON "LoginFailureCounter"("resetAt");

