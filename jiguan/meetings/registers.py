"""The registers of meetings: compounds (集中办公区), buildings (楼栋) and rooms (会议室)."""
